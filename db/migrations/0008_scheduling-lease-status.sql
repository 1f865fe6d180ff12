CREATE TABLE `scheduling_engine_status` (
	`owner` text PRIMARY KEY NOT NULL,
	`dbsim_url` text,
	`capture` text NOT NULL,
	`scheduler` text,
	`estimator` text NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `scheduling_engine_status_updated_at_idx` ON `scheduling_engine_status` (`updated_at`);--> statement-breakpoint
CREATE TABLE `scheduling_scheduler_lease` (
	`dbsim_key` text PRIMARY KEY NOT NULL,
	`owner` text NOT NULL,
	`acquired_at` integer NOT NULL,
	`expires_at` integer NOT NULL
);
