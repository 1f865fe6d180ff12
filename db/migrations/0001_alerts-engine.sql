CREATE TABLE `alert_dead_letter` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`at` integer NOT NULL,
	`source` text NOT NULL,
	`reason` text NOT NULL,
	`raw` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `alert_dead_letter_at_idx` ON `alert_dead_letter` (`at`);--> statement-breakpoint
CREATE TABLE `alert_evaluation` (
	`rule_id` text NOT NULL,
	`slot` integer NOT NULL,
	`sequence` integer NOT NULL,
	`at` integer NOT NULL,
	`value` real,
	`state` text NOT NULL,
	`outcome` text NOT NULL,
	`error` text,
	PRIMARY KEY(`rule_id`, `slot`),
	FOREIGN KEY (`rule_id`) REFERENCES `alert_rule`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `alert_evaluation_rule_id_at_idx` ON `alert_evaluation` (`rule_id`,`at`);--> statement-breakpoint
CREATE TABLE `alert_outbox` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`event_id` text NOT NULL,
	`topic` text NOT NULL,
	`payload` text NOT NULL,
	`created_at` integer NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer NOT NULL,
	`published_at` integer,
	`last_error` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `alert_outbox_event_id_idx` ON `alert_outbox` (`event_id`);--> statement-breakpoint
CREATE INDEX `alert_outbox_published_at_idx` ON `alert_outbox` (`published_at`);--> statement-breakpoint
CREATE TABLE `alert_rule` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`origin` text NOT NULL,
	`source_kind` text NOT NULL,
	`query` text NOT NULL,
	`interval_secs` real NOT NULL,
	`repeat_interval_secs` real NOT NULL,
	`warn_value` real NOT NULL,
	`warn_message` text NOT NULL,
	`critical_value` real NOT NULL,
	`critical_message` text NOT NULL,
	`service_id` text,
	`subscriber_user_ids` text NOT NULL,
	`enabled` integer DEFAULT true NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `alert_rule_name_idx` ON `alert_rule` (`name`);--> statement-breakpoint
CREATE INDEX `alert_rule_updated_at_idx` ON `alert_rule` (`updated_at`);--> statement-breakpoint
CREATE TABLE `alert_status` (
	`rule_id` text PRIMARY KEY NOT NULL,
	`state` text NOT NULL,
	`last_value` real,
	`last_evaluated_at` integer,
	`last_notified_at` integer,
	`state_changed_at` integer,
	`last_error` text,
	`evaluation_sequence` integer DEFAULT 0 NOT NULL,
	`transition_sequence` integer DEFAULT 0 NOT NULL,
	FOREIGN KEY (`rule_id`) REFERENCES `alert_rule`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `alert_transition` (
	`rule_id` text NOT NULL,
	`slot` integer NOT NULL,
	`sequence` integer NOT NULL,
	`at` integer NOT NULL,
	`previous_state` text NOT NULL,
	`new_state` text NOT NULL,
	`value` real NOT NULL,
	`action` text NOT NULL,
	`message` text NOT NULL,
	PRIMARY KEY(`rule_id`, `slot`),
	FOREIGN KEY (`rule_id`) REFERENCES `alert_rule`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `alert_transition_rule_id_at_idx` ON `alert_transition` (`rule_id`,`at`);