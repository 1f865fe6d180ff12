ALTER TABLE `alert_rule` ADD `for_secs` real DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `alert_rule` ADD `keep_firing_for_secs` real DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `alert_status` ADD `pending_since` integer;--> statement-breakpoint
ALTER TABLE `alert_status` ADD `pending_state` text;--> statement-breakpoint
ALTER TABLE `alert_status` ADD `recovering_since` integer;