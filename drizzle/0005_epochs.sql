CREATE TABLE "epoch_scores" (
	"id" serial PRIMARY KEY NOT NULL,
	"run_id" integer NOT NULL,
	"epoch" integer NOT NULL,
	"total_epochs" integer NOT NULL,
	"scores" jsonb,
	"file_path" text,
	"delivered_by" text,
	"delivered_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "epoch_votes" (
	"id" serial PRIMARY KEY NOT NULL,
	"run_id" integer NOT NULL,
	"user_id" text NOT NULL,
	"epoch" integer NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "epoch_scores" ADD CONSTRAINT "epoch_scores_run_id_training_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."training_runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "epoch_votes" ADD CONSTRAINT "epoch_votes_run_id_training_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."training_runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "epoch_scores_run_epoch" ON "epoch_scores" USING btree ("run_id","epoch");--> statement-breakpoint
CREATE UNIQUE INDEX "epoch_votes_run_user" ON "epoch_votes" USING btree ("run_id","user_id");