/** The console's own components (shadcn-style: written once, then ours). */
export { Badge, type BadgeTone } from "./badge";
export { Button, type ButtonProps } from "./button";
export { Callout } from "./callout";
export { Card, CardHeader, PageHeader } from "./card";
export { cn } from "./cn";
export { Field, Input, Select, Textarea } from "./form";
export { Pagination } from "./pagination";
export { EmptyState, ErrorState, LoadingState } from "./states";
export { Table, THead, Th, Tr, Td } from "./table";
export { Time, relativeTime } from "./time";
