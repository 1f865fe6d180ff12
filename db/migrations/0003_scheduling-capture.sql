CREATE TABLE `scheduling_capture_cursor` (
	`id` text PRIMARY KEY NOT NULL,
	`log_id` text NOT NULL,
	`last_seq` integer NOT NULL,
	`log_changes` integer DEFAULT 0 NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `scheduling_capture_gap` (
	`id` text PRIMARY KEY NOT NULL,
	`log_id` text NOT NULL,
	`from_seq` integer,
	`to_seq` integer,
	`reason` text NOT NULL,
	`detected_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `scheduling_capture_gap_detected_at_idx` ON `scheduling_capture_gap` (`detected_at`);--> statement-breakpoint
CREATE TABLE `scheduling_dead_letter` (
	`id` text PRIMARY KEY NOT NULL,
	`source` text NOT NULL,
	`reason` text NOT NULL,
	`raw_body` text NOT NULL,
	`received_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `scheduling_dead_letter_received_at_idx` ON `scheduling_dead_letter` (`received_at`);--> statement-breakpoint
CREATE TABLE `scheduling_execution` (
	`id` text PRIMARY KEY NOT NULL,
	`template_id` text NOT NULL,
	`log_id` text NOT NULL,
	`seq` integer NOT NULL,
	`queued_tick` integer NOT NULL,
	`queued_at` integer NOT NULL,
	`executed_tick` integer NOT NULL,
	`executed_at` integer NOT NULL,
	`total_delay_ticks` integer NOT NULL,
	`added_delay_ticks` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `scheduling_execution_template_id_executed_at_idx` ON `scheduling_execution` (`template_id`,`executed_at`);--> statement-breakpoint
CREATE INDEX `scheduling_execution_executed_at_idx` ON `scheduling_execution` (`executed_at`);--> statement-breakpoint
CREATE INDEX `scheduling_execution_log_id_executed_tick_idx` ON `scheduling_execution` (`log_id`,`executed_tick`);--> statement-breakpoint
CREATE TABLE `scheduling_resource_second` (
	`log_id` text NOT NULL,
	`window_index` integer NOT NULL,
	`at` integer NOT NULL,
	`first_tick` integer NOT NULL,
	`last_tick` integer NOT NULL,
	`cpu_average` integer NOT NULL,
	`cpu_min` integer NOT NULL,
	`cpu_max` integer NOT NULL,
	`io_average` integer NOT NULL,
	`io_min` integer NOT NULL,
	`io_max` integer NOT NULL,
	`memory_average` integer NOT NULL,
	`memory_min` integer NOT NULL,
	`memory_max` integer NOT NULL,
	PRIMARY KEY(`log_id`, `window_index`)
);
--> statement-breakpoint
CREATE INDEX `scheduling_resource_second_at_idx` ON `scheduling_resource_second` (`at`);--> statement-breakpoint
CREATE TABLE `scheduling_template` (
	`id` text PRIMARY KEY NOT NULL,
	`log_id` text NOT NULL,
	`template_index` integer NOT NULL,
	`profile` text NOT NULL,
	`true_cpu` integer NOT NULL,
	`true_memory` integer NOT NULL,
	`true_io` integer NOT NULL,
	`probability` real NOT NULL,
	`estimated_cpu` real,
	`estimated_memory` real,
	`estimated_io` real,
	`estimated_at` integer,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `scheduling_template_template_index_idx` ON `scheduling_template` (`template_index`);