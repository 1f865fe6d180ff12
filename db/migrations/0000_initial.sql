CREATE TABLE `account` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`provider_id` text NOT NULL,
	`user_id` text NOT NULL,
	`access_token` text,
	`refresh_token` text,
	`id_token` text,
	`access_token_expires_at` integer,
	`refresh_token_expires_at` integer,
	`scope` text,
	`password` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `user`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `account_user_id_idx` ON `account` (`user_id`);--> statement-breakpoint
CREATE TABLE `session` (
	`id` text PRIMARY KEY NOT NULL,
	`expires_at` integer NOT NULL,
	`token` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`ip_address` text,
	`user_agent` text,
	`user_id` text NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `user`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `session_token_unique` ON `session` (`token`);--> statement-breakpoint
CREATE INDEX `session_user_id_idx` ON `session` (`user_id`);--> statement-breakpoint
CREATE TABLE `user` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`email` text NOT NULL,
	`email_verified` integer DEFAULT false NOT NULL,
	`image` text,
	`role` text DEFAULT 'viewer' NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `user_email_unique` ON `user` (`email`);--> statement-breakpoint
CREATE TABLE `verification` (
	`id` text PRIMARY KEY NOT NULL,
	`identifier` text NOT NULL,
	`value` text NOT NULL,
	`expires_at` integer NOT NULL,
	`created_at` integer,
	`updated_at` integer
);
--> statement-breakpoint
CREATE TABLE `audit_log` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`at` integer NOT NULL,
	`actor_kind` text NOT NULL,
	`actor_id` text NOT NULL,
	`actor_label` text NOT NULL,
	`action` text NOT NULL,
	`target` text NOT NULL,
	`details` text
);
--> statement-breakpoint
CREATE INDEX `audit_log_at_idx` ON `audit_log` (`at`);--> statement-breakpoint
CREATE INDEX `audit_log_target_idx` ON `audit_log` (`target`);--> statement-breakpoint
CREATE TABLE `setting` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
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
	`samples` text,
	PRIMARY KEY(`rule_id`, `slot`),
	FOREIGN KEY (`rule_id`) REFERENCES `alert_rule`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
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
	`last_notified_at` integer,
	`state_changed_at` integer,
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
CREATE INDEX `alert_transition_rule_id_at_idx` ON `alert_transition` (`rule_id`,`at`);--> statement-breakpoint
CREATE TABLE `pager_dead_letter` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`received_at_ms` integer NOT NULL,
	`source` text NOT NULL,
	`reason` text NOT NULL,
	`raw_body` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `pager_dead_letter_received_idx` ON `pager_dead_letter` (`received_at_ms`);--> statement-breakpoint
CREATE TABLE `pager_delivery` (
	`id` text PRIMARY KEY NOT NULL,
	`incident_id` text NOT NULL,
	`step` integer NOT NULL,
	`level` integer NOT NULL,
	`round` integer NOT NULL,
	`channel` text NOT NULL,
	`address` text NOT NULL,
	`idempotency_key` text NOT NULL,
	`subject` text NOT NULL,
	`body` text NOT NULL,
	`status` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`reason` text,
	`provider_message_id` text,
	`created_at_ms` integer NOT NULL,
	`lease_until_ms` integer,
	`finished_at_ms` integer,
	FOREIGN KEY (`incident_id`) REFERENCES `pager_incident`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `pager_delivery_idempotency_key_idx` ON `pager_delivery` (`idempotency_key`);--> statement-breakpoint
CREATE INDEX `pager_delivery_incident_idx` ON `pager_delivery` (`incident_id`);--> statement-breakpoint
CREATE INDEX `pager_delivery_status_idx` ON `pager_delivery` (`status`);--> statement-breakpoint
CREATE TABLE `pager_inbound_event` (
	`event_id` text PRIMARY KEY NOT NULL,
	`received_at_ms` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `pager_incident` (
	`id` text PRIMARY KEY NOT NULL,
	`service_id` text NOT NULL,
	`state` text NOT NULL,
	`summary` text NOT NULL,
	`dedup_key` text,
	`policy_snapshot` text NOT NULL,
	`escalation_step` integer DEFAULT 0 NOT NULL,
	`alert_count` integer DEFAULT 1 NOT NULL,
	`opened_at_ms` integer NOT NULL,
	`last_alert_at_ms` integer NOT NULL,
	`acknowledged_at_ms` integer,
	`acknowledged_by` text,
	`resolved_at_ms` integer,
	`resolved_by` text,
	`resolution` text,
	FOREIGN KEY (`service_id`) REFERENCES `pager_service`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `pager_incident_active_service_idx` ON `pager_incident` (`service_id`) WHERE state <> 'resolved';--> statement-breakpoint
CREATE INDEX `pager_incident_state_opened_idx` ON `pager_incident` (`state`,`opened_at_ms`);--> statement-breakpoint
CREATE INDEX `pager_incident_opened_idx` ON `pager_incident` (`opened_at_ms`);--> statement-breakpoint
CREATE TABLE `pager_incident_key` (
	`incident_id` text NOT NULL,
	`dedup_key` text NOT NULL,
	PRIMARY KEY(`incident_id`, `dedup_key`),
	FOREIGN KEY (`incident_id`) REFERENCES `pager_incident`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `pager_policy` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`levels` text NOT NULL,
	`repeat_count` integer DEFAULT 0 NOT NULL,
	`version` integer DEFAULT 1 NOT NULL,
	`created_at_ms` integer NOT NULL,
	`updated_at_ms` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `pager_service` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`policy_id` text NOT NULL,
	`integration_key` text NOT NULL,
	`health` text DEFAULT 'healthy' NOT NULL,
	`health_changed_at_ms` integer NOT NULL,
	`created_at_ms` integer NOT NULL,
	FOREIGN KEY (`policy_id`) REFERENCES `pager_policy`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `pager_service_integration_key_idx` ON `pager_service` (`integration_key`);--> statement-breakpoint
CREATE TABLE `pager_timeline_entry` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`incident_id` text NOT NULL,
	`at_ms` integer NOT NULL,
	`kind` text NOT NULL,
	`actor` text NOT NULL,
	`details` text,
	FOREIGN KEY (`incident_id`) REFERENCES `pager_incident`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `pager_timeline_entry_incident_idx` ON `pager_timeline_entry` (`incident_id`,`id`);--> statement-breakpoint
CREATE TABLE `pager_timer` (
	`id` text PRIMARY KEY NOT NULL,
	`incident_id` text NOT NULL,
	`step` integer NOT NULL,
	`due_at_ms` integer NOT NULL,
	`state` text NOT NULL,
	`fired_at_ms` integer,
	`outcome` text,
	FOREIGN KEY (`incident_id`) REFERENCES `pager_incident`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `pager_timer_incident_step_idx` ON `pager_timer` (`incident_id`,`step`);--> statement-breakpoint
CREATE INDEX `pager_timer_state_due_idx` ON `pager_timer` (`state`,`due_at_ms`);--> statement-breakpoint
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
CREATE INDEX `digest_record_user_id_created_at_idx` ON `digest_record` (`user_id`,`created_at`);--> statement-breakpoint
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
CREATE TABLE `scheduling_execution` (
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
CREATE TABLE `scheduling_scheduler_lease` (
	`dbsim_key` text PRIMARY KEY NOT NULL,
	`owner` text NOT NULL,
	`acquired_at` integer NOT NULL,
	`expires_at` integer NOT NULL
);
--> statement-breakpoint
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