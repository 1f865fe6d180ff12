PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_scheduling_execution` (
	`id` text NOT NULL,
	`template_id` text NOT NULL,
	`log_id` text NOT NULL,
	`seq` integer NOT NULL,
	`queued_tick` integer NOT NULL,
	`queued_at` integer NOT NULL,
	`executed_tick` integer NOT NULL,
	`executed_at` integer NOT NULL,
	`total_delay_ticks` integer NOT NULL,
	`added_delay_ticks` integer NOT NULL,
	PRIMARY KEY(`log_id`, `id`)
);
--> statement-breakpoint
INSERT INTO `__new_scheduling_execution`("id", "template_id", "log_id", "seq", "queued_tick", "queued_at", "executed_tick", "executed_at", "total_delay_ticks", "added_delay_ticks") SELECT "id", "template_id", "log_id", "seq", "queued_tick", "queued_at", "executed_tick", "executed_at", "total_delay_ticks", "added_delay_ticks" FROM `scheduling_execution`;--> statement-breakpoint
DROP TABLE `scheduling_execution`;--> statement-breakpoint
ALTER TABLE `__new_scheduling_execution` RENAME TO `scheduling_execution`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE INDEX `scheduling_execution_template_id_executed_at_idx` ON `scheduling_execution` (`template_id`,`executed_at`);--> statement-breakpoint
CREATE INDEX `scheduling_execution_executed_at_idx` ON `scheduling_execution` (`executed_at`);--> statement-breakpoint
CREATE INDEX `scheduling_execution_log_id_executed_tick_idx` ON `scheduling_execution` (`log_id`,`executed_tick`);