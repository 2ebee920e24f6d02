CREATE TABLE "training_plans" (
	"id" serial PRIMARY KEY NOT NULL,
	"project_id" integer NOT NULL,
	"channel_id" text,
	"message_id" text,
	"preset" text NOT NULL,
	"strength" double precision NOT NULL,
	"locon" boolean DEFAULT false NOT NULL,
	"base_models" jsonb NOT NULL,
	"sample_prompts" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"planned" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"closed_at" timestamp with time zone,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "training_runs" (
	"id" serial PRIMARY KEY NOT NULL,
	"plan_id" integer NOT NULL,
	"project_id" integer NOT NULL,
	"base_model_name" text NOT NULL,
	"preset" text NOT NULL,
	"strength" double precision NOT NULL,
	"locon" boolean NOT NULL,
	"sample_prompts" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"plan" jsonb NOT NULL,
	"state" text DEFAULT 'queued' NOT NULL,
	"job_id" text,
	"status_channel_id" text,
	"status_message_id" text,
	"progress" jsonb,
	"cancel_requested_at" timestamp with time zone,
	"cancel_requested_by" text,
	"worker_name" text,
	"output_path" text,
	"output_bytes" bigint,
	"output_sha256" text,
	"error_code" text,
	"error" text,
	"requested_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"heartbeat_at" timestamp with time zone,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "prune_votes" ADD COLUMN "click_id" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "training_plans" ADD CONSTRAINT "training_plans_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "training_runs" ADD CONSTRAINT "training_runs_plan_id_training_plans_id_fk" FOREIGN KEY ("plan_id") REFERENCES "public"."training_plans"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "training_runs" ADD CONSTRAINT "training_runs_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "training_plans_project" ON "training_plans" USING btree ("project_id");--> statement-breakpoint
CREATE UNIQUE INDEX "training_runs_one_active" ON "training_runs" USING btree ("plan_id","base_model_name") WHERE "training_runs"."state" in ('queued', 'running');--> statement-breakpoint
CREATE INDEX "training_runs_project" ON "training_runs" USING btree ("project_id");--> statement-breakpoint
CREATE INDEX "training_runs_state" ON "training_runs" USING btree ("state");