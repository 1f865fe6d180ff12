export * from "./auth";
export * from "./platform";
export * from "./alerts";
export * from "./pager";
export * from "./digests";
export * from "./scheduling";
