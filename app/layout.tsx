import type { Metadata } from "next";
import type { ReactNode } from "react";
import { TRPCReactProvider } from "@/app/_components/trpc/client";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Watchpost", template: "%s · Watchpost" },
  description: "The operations console for on-call teams: alerts, paging, digests and query scheduling.",
};

// Applies the saved theme (or the system's) before the first paint, so dark mode never flashes light.
const THEME_SCRIPT = `try{var t=localStorage.getItem("watchpost-theme");if(t==="dark"||(!t&&matchMedia("(prefers-color-scheme: dark)").matches))document.documentElement.classList.add("dark")}catch(e){}`;

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en" suppressHydrationWarning>
      <head>
        <script dangerouslySetInnerHTML={{ __html: THEME_SCRIPT }} />
      </head>
      <body className="min-h-screen font-sans">
        <TRPCReactProvider>{children}</TRPCReactProvider>
      </body>
    </html>
  );
}
