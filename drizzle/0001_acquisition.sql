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
ALTER TABLE "projects" ADD COLUMN "query" jsonb DEFAULT '{"required":[],"blacklist":[["animated"],["monochrome"],["comic"],["young"],["model_sheet"],["low_res"],["image_macro"],["reaction_image"],["humor"],["e621"],["grandfathered_content"],["what_has_science_done"],["nightmare_fuel"],["where_is_your_god_now"],["blursed_image"],["what"],["why"]],"minScore":30,"minArea":589824,"sort":"score","topN":300,"ratings":["s","q","e"],"fileTypes":["png","jpg","webp"],"maxShortSide":2048}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "fetch_runs" ADD CONSTRAINT "fetch_runs_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "project_candidates" ADD CONSTRAINT "project_candidates_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "project_candidates" ADD CONSTRAINT "project_candidates_post_id_posts_id_fk" FOREIGN KEY ("post_id") REFERENCES "public"."posts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "project_candidates" ADD CONSTRAINT "project_candidates_duplicate_of_posts_id_fk" FOREIGN KEY ("duplicate_of") REFERENCES "public"."posts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "project_candidates" ADD CONSTRAINT "project_candidates_fetch_run_id_fetch_runs_id_fk" FOREIGN KEY ("fetch_run_id") REFERENCES "public"."fetch_runs"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "posts_md5" ON "posts" USING btree ("md5");--> statement-breakpoint
CREATE UNIQUE INDEX "fetch_runs_one_running" ON "fetch_runs" USING btree ("project_id") WHERE "fetch_runs"."state" = 'running';--> statement-breakpoint
CREATE INDEX "fetch_runs_project" ON "fetch_runs" USING btree ("project_id");--> statement-breakpoint
CREATE UNIQUE INDEX "project_candidates_project_post" ON "project_candidates" USING btree ("project_id","post_id");--> statement-breakpoint
CREATE INDEX "project_candidates_project_status" ON "project_candidates" USING btree ("project_id","status");