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
CREATE INDEX `pager_timer_state_due_idx` ON `pager_timer` (`state`,`due_at_ms`);