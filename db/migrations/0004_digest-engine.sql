CREATE TABLE `digest_alarm_state` (
	`user_id` text NOT NULL,
	`alarm_id` text NOT NULL,
	`status` text NOT NULL,
	`changed_at` text NOT NULL,
	`changed_at_key` text NOT NULL,
	`sent_status` text,
	`sent_changed_at_key` text,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`user_id`, `alarm_id`)
);
--> statement-breakpoint
CREATE INDEX `digest_alarm_state_user_id_status_changed_at_key_idx` ON `digest_alarm_state` (`user_id`,`status`,`changed_at_key`);--> statement-breakpoint
CREATE TABLE `digest_dead_letter` (
	`id` text PRIMARY KEY NOT NULL,
	`message_key` text NOT NULL,
	`subject` text NOT NULL,
	`reason` text NOT NULL,
	`raw_body` text NOT NULL,
	`received_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `digest_dead_letter_message_key_idx` ON `digest_dead_letter` (`message_key`);--> statement-breakpoint
CREATE INDEX `digest_dead_letter_received_at_idx` ON `digest_dead_letter` (`received_at`);--> statement-breakpoint
CREATE TABLE `digest_record` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`request_key` text NOT NULL,
	`requested_by` text NOT NULL,
	`created_at` integer NOT NULL,
	`alarm_count` integer NOT NULL,
	`alarms` text NOT NULL,
	`published_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `digest_record_request_key_idx` ON `digest_record` (`request_key`);--> statement-breakpoint
CREATE INDEX `digest_record_user_id_created_at_idx` ON `digest_record` (`user_id`,`created_at`);