CREATE TABLE "guilds" (
	"id" text PRIMARY KEY NOT NULL,
	"editor_role_id" text,
	"upload_limit_bytes" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "projects" (
	"id" serial PRIMARY KEY NOT NULL,
	"guild_id" text NOT NULL,
	"channel_id" text NOT NULL,
	"thread_id" text,
	"card_message_id" text,
	"owner_id" text NOT NULL,
	"character_name" text NOT NULL,
	"main_tag" text NOT NULL,
	"notes" jsonb DEFAULT '{"look":"","outfits":"","accessories":"","markings":"","deviations":""}'::jsonb NOT NULL,
	"status" text DEFAULT 'draft' NOT NULL,
	"query" jsonb DEFAULT '{"required":[],"blacklist":[["animated"],["monochrome"],["comic"],["young"],["model_sheet"],["low_res"],["image_macro"],["reaction_image"],["humor"],["e621"],["grandfathered_content"],["what_has_science_done"],["nightmare_fuel"],["where_is_your_god_now"],["blursed_image"],["what"],["why"]],"minScore":30,"minArea":589824,"sort":"score","topN":300,"ratings":["s","q","e"],"fileTypes":["png","jpg","webp"],"maxShortSide":2048}'::jsonb NOT NULL,
	"quorum" jsonb DEFAULT '{"lead":2,"majorityAfter":3}'::jsonb NOT NULL,
	"board_message_id" text,
	"dataset_frozen_at" timestamp with time zone,
	"dataset_frozen_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "posts" (
	"id" integer PRIMARY KEY NOT NULL,
	"md5" text NOT NULL,
	"file_ext" text NOT NULL,
	"width" integer NOT NULL,
	"height" integer NOT NULL,
	"file_size" integer NOT NULL,
	"score" integer NOT NULL,
	"fav_count" integer DEFAULT 0 NOT NULL,
	"rating" text NOT NULL,
	"tags" jsonb NOT NULL,
	"sources" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"file_url" text,
	"preview_url" text,
	"sample_url" text,
	"deleted" boolean DEFAULT false NOT NULL,
	"posted_at" timestamp with time zone,
	"fetched_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "fetch_runs" (
	"id" serial PRIMARY KEY NOT NULL,
	"project_id" integer NOT NULL,
	"job_id" text,
	"requested_by" text,
	"state" text DEFAULT 'running' NOT NULL,
	"query" jsonb NOT NULL,
	"progress" jsonb,
	"summary" jsonb,
	"error" text,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"heartbeat_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "project_candidates" (
	"id" serial PRIMARY KEY NOT NULL,
	"project_id" integer NOT NULL,
	"post_id" integer NOT NULL,
	"rank" integer,
	"status" text DEFAULT 'pending' NOT NULL,
	"image_path" text,
	"image_md5" text,
	"width" integer,
	"height" integer,
	"dhash" text,
	"skip_code" text,
	"skip_reason" text,
	"duplicate_of" integer,
	"duplicate_kind" text,
	"duplicate_distance" integer,
	"fetch_run_id" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "prune_votes" (
	"id" serial PRIMARY KEY NOT NULL,
	"candidate_id" integer NOT NULL,
	"user_id" text NOT NULL,
	"choice" text NOT NULL,
	"click_id" bigint DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "prune_overrides" (
	"candidate_id" integer PRIMARY KEY NOT NULL,
	"decision" text NOT NULL,
	"user_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "crops" (
	"id" serial PRIMARY KEY NOT NULL,
	"candidate_id" integer NOT NULL,
	"kind" text NOT NULL,
	"box" jsonb,
	"confirmed" boolean DEFAULT false NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "replacements" (
	"candidate_id" integer PRIMARY KEY NOT NULL,
	"md5" text NOT NULL,
	"format" text NOT NULL,
	"width" integer NOT NULL,
	"height" integer NOT NULL,
	"data" "bytea" NOT NULL,
	"uploaded_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "gallery_messages" (
	"id" serial PRIMARY KEY NOT NULL,
	"project_id" integer NOT NULL,
	"channel_id" text NOT NULL,
	"message_id" text NOT NULL,
	"candidate_ids" integer[] NOT NULL,
	CONSTRAINT "gallery_messages_message_id_unique" UNIQUE("message_id")
);
--> statement-breakpoint
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
CREATE TABLE "tagger_settings" (
	"project_id" integer PRIMARY KEY NOT NULL,
	"wd_preset" text,
	"wd_threshold" double precision NOT NULL,
	"e621_threshold" double precision NOT NULL,
	"updated_by" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tagged_images" (
	"id" serial PRIMARY KEY NOT NULL,
	"project_id" integer NOT NULL,
	"image_key" text NOT NULL,
	"candidate_id" integer NOT NULL,
	"crop_id" integer,
	"kind" text NOT NULL,
	"name" text NOT NULL,
	"edited" boolean NOT NULL,
	"evidence" jsonb NOT NULL,
	"known" jsonb NOT NULL,
	"tags" jsonb NOT NULL,
	"tagged_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "tagged_images_image_key_unique" UNIQUE("image_key")
);
--> statement-breakpoint
CREATE TABLE "image_tag_edits" (
	"id" serial PRIMARY KEY NOT NULL,
	"tagged_image_id" integer NOT NULL,
	"tag" text NOT NULL,
	"action" text NOT NULL,
	"user_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tag_decisions" (
	"id" serial PRIMARY KEY NOT NULL,
	"project_id" integer NOT NULL,
	"tag" text NOT NULL,
	"tag_group" text,
	"count" integer NOT NULL,
	"total" integer NOT NULL,
	"proposed_by" text,
	"outcome" text DEFAULT 'undecided' NOT NULL,
	"owner_choice" text,
	"owner_id" text,
	"channel_id" text,
	"message_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tag_decision_votes" (
	"id" serial PRIMARY KEY NOT NULL,
	"decision_id" integer NOT NULL,
	"user_id" text NOT NULL,
	"choice" text NOT NULL,
	"click_id" bigint DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "outfits" (
	"id" serial PRIMARY KEY NOT NULL,
	"project_id" integer NOT NULL,
	"tag" text NOT NULL,
	"components" jsonb NOT NULL,
	"proposed_by" text NOT NULL,
	"state" text DEFAULT 'proposed' NOT NULL,
	"owner_choice" text,
	"owner_id" text,
	"channel_id" text,
	"message_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "outfit_votes" (
	"id" serial PRIMARY KEY NOT NULL,
	"outfit_id" integer NOT NULL,
	"user_id" text NOT NULL,
	"choice" text NOT NULL,
	"click_id" bigint DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
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
ALTER TABLE "projects" ADD CONSTRAINT "projects_guild_id_guilds_id_fk" FOREIGN KEY ("guild_id") REFERENCES "public"."guilds"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "fetch_runs" ADD CONSTRAINT "fetch_runs_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "project_candidates" ADD CONSTRAINT "project_candidates_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "project_candidates" ADD CONSTRAINT "project_candidates_post_id_posts_id_fk" FOREIGN KEY ("post_id") REFERENCES "public"."posts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "project_candidates" ADD CONSTRAINT "project_candidates_duplicate_of_posts_id_fk" FOREIGN KEY ("duplicate_of") REFERENCES "public"."posts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "project_candidates" ADD CONSTRAINT "project_candidates_fetch_run_id_fetch_runs_id_fk" FOREIGN KEY ("fetch_run_id") REFERENCES "public"."fetch_runs"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "prune_votes" ADD CONSTRAINT "prune_votes_candidate_id_project_candidates_id_fk" FOREIGN KEY ("candidate_id") REFERENCES "public"."project_candidates"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "prune_overrides" ADD CONSTRAINT "prune_overrides_candidate_id_project_candidates_id_fk" FOREIGN KEY ("candidate_id") REFERENCES "public"."project_candidates"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "crops" ADD CONSTRAINT "crops_candidate_id_project_candidates_id_fk" FOREIGN KEY ("candidate_id") REFERENCES "public"."project_candidates"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "replacements" ADD CONSTRAINT "replacements_candidate_id_project_candidates_id_fk" FOREIGN KEY ("candidate_id") REFERENCES "public"."project_candidates"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gallery_messages" ADD CONSTRAINT "gallery_messages_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "training_plans" ADD CONSTRAINT "training_plans_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "training_runs" ADD CONSTRAINT "training_runs_plan_id_training_plans_id_fk" FOREIGN KEY ("plan_id") REFERENCES "public"."training_plans"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "training_runs" ADD CONSTRAINT "training_runs_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tagger_settings" ADD CONSTRAINT "tagger_settings_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tagged_images" ADD CONSTRAINT "tagged_images_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tagged_images" ADD CONSTRAINT "tagged_images_candidate_id_project_candidates_id_fk" FOREIGN KEY ("candidate_id") REFERENCES "public"."project_candidates"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tagged_images" ADD CONSTRAINT "tagged_images_crop_id_crops_id_fk" FOREIGN KEY ("crop_id") REFERENCES "public"."crops"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "image_tag_edits" ADD CONSTRAINT "image_tag_edits_tagged_image_id_tagged_images_id_fk" FOREIGN KEY ("tagged_image_id") REFERENCES "public"."tagged_images"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tag_decisions" ADD CONSTRAINT "tag_decisions_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tag_decision_votes" ADD CONSTRAINT "tag_decision_votes_decision_id_tag_decisions_id_fk" FOREIGN KEY ("decision_id") REFERENCES "public"."tag_decisions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "outfits" ADD CONSTRAINT "outfits_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "outfit_votes" ADD CONSTRAINT "outfit_votes_outfit_id_outfits_id_fk" FOREIGN KEY ("outfit_id") REFERENCES "public"."outfits"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "epoch_scores" ADD CONSTRAINT "epoch_scores_run_id_training_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."training_runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "epoch_votes" ADD CONSTRAINT "epoch_votes_run_id_training_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."training_runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "projects_guild_main_tag" ON "projects" USING btree ("guild_id","main_tag");--> statement-breakpoint
CREATE UNIQUE INDEX "projects_thread" ON "projects" USING btree ("thread_id");--> statement-breakpoint
CREATE INDEX "projects_guild" ON "projects" USING btree ("guild_id");--> statement-breakpoint
CREATE INDEX "posts_md5" ON "posts" USING btree ("md5");--> statement-breakpoint
CREATE UNIQUE INDEX "fetch_runs_one_running" ON "fetch_runs" USING btree ("project_id") WHERE "fetch_runs"."state" = 'running';--> statement-breakpoint
CREATE INDEX "fetch_runs_project" ON "fetch_runs" USING btree ("project_id");--> statement-breakpoint
CREATE UNIQUE INDEX "project_candidates_project_post" ON "project_candidates" USING btree ("project_id","post_id");--> statement-breakpoint
CREATE INDEX "project_candidates_project_status" ON "project_candidates" USING btree ("project_id","status");--> statement-breakpoint
CREATE UNIQUE INDEX "prune_votes_candidate_user" ON "prune_votes" USING btree ("candidate_id","user_id");--> statement-breakpoint
CREATE INDEX "prune_votes_user" ON "prune_votes" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "crops_candidate" ON "crops" USING btree ("candidate_id");--> statement-breakpoint
CREATE UNIQUE INDEX "crops_one_headshot" ON "crops" USING btree ("candidate_id") WHERE "crops"."kind" = 'headshot';--> statement-breakpoint
CREATE INDEX "gallery_messages_project" ON "gallery_messages" USING btree ("project_id");--> statement-breakpoint
CREATE INDEX "training_plans_project" ON "training_plans" USING btree ("project_id");--> statement-breakpoint
CREATE UNIQUE INDEX "training_runs_one_active" ON "training_runs" USING btree ("plan_id","base_model_name") WHERE "training_runs"."state" in ('queued', 'running');--> statement-breakpoint
CREATE INDEX "training_runs_project" ON "training_runs" USING btree ("project_id");--> statement-breakpoint
CREATE INDEX "training_runs_state" ON "training_runs" USING btree ("state");--> statement-breakpoint
CREATE INDEX "tagged_images_project" ON "tagged_images" USING btree ("project_id");--> statement-breakpoint
CREATE UNIQUE INDEX "image_tag_edits_image_tag" ON "image_tag_edits" USING btree ("tagged_image_id","tag");--> statement-breakpoint
CREATE INDEX "image_tag_edits_image" ON "image_tag_edits" USING btree ("tagged_image_id");--> statement-breakpoint
CREATE UNIQUE INDEX "tag_decisions_project_tag" ON "tag_decisions" USING btree ("project_id","tag");--> statement-breakpoint
CREATE INDEX "tag_decisions_message" ON "tag_decisions" USING btree ("message_id");--> statement-breakpoint
CREATE UNIQUE INDEX "tag_decision_votes_decision_user" ON "tag_decision_votes" USING btree ("decision_id","user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "outfits_project_tag" ON "outfits" USING btree ("project_id","tag");--> statement-breakpoint
CREATE UNIQUE INDEX "outfit_votes_outfit_user" ON "outfit_votes" USING btree ("outfit_id","user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "epoch_scores_run_epoch" ON "epoch_scores" USING btree ("run_id","epoch");--> statement-breakpoint
CREATE UNIQUE INDEX "epoch_votes_run_user" ON "epoch_votes" USING btree ("run_id","user_id");