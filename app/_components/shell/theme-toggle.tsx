"use client";

import { Moon, Sun } from "lucide-react";
import { Button } from "@/app/_components/ui";

/** Switches between the light and dark themes and remembers the choice in this browser. */
export function ThemeToggle() {
  return (
    <Button
      variant="ghost"
      size="sm"
      aria-label="Switch between light and dark theme"
      onClick={() => {
        const dark = document.documentElement.classList.toggle("dark");
        localStorage.setItem("watchpost-theme", dark ? "dark" : "light");
      }}
    >
      <Sun className="size-4 dark:hidden" aria-hidden />
      <Moon className="hidden size-4 dark:block" aria-hidden />
    </Button>
  );
}
