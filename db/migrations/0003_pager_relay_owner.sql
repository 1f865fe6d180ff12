CREATE TABLE `pager_relay_owner` (
	`owner_id` text PRIMARY KEY NOT NULL,
	`alive_until_ms` integer NOT NULL,
	`started_at_ms` integer NOT NULL,
	`renewed_at_ms` integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE `pager_delivery` ADD `claimed_by` text;