DROP INDEX `alert_evaluation_rule_id_at_idx`;--> statement-breakpoint
ALTER TABLE `alert_status` DROP COLUMN `last_evaluated_at`;--> statement-breakpoint
ALTER TABLE `alert_status` DROP COLUMN `last_error`;--> statement-breakpoint
ALTER TABLE `alert_status` DROP COLUMN `evaluation_sequence`;--> statement-breakpoint
ALTER TABLE `alert_status` DROP COLUMN `transition_sequence`;