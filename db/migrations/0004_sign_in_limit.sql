CREATE TABLE `sign_in_account_backoff` (
	`email` text PRIMARY KEY NOT NULL,
	`attempts` integer NOT NULL,
	`next_attempt_at` integer NOT NULL,
	`last_attempt_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `sign_in_account_backoff_last_attempt_at_idx` ON `sign_in_account_backoff` (`last_attempt_at`);--> statement-breakpoint
CREATE TABLE `sign_in_address_window` (
	`address` text PRIMARY KEY NOT NULL,
	`window_started_at` integer NOT NULL,
	`attempts` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `sign_in_address_window_window_started_at_idx` ON `sign_in_address_window` (`window_started_at`);