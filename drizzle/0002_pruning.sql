CREATE TABLE "prune_votes" (
	"id" serial PRIMARY KEY NOT NULL,
	"candidate_id" integer NOT NULL,
	"user_id" text NOT NULL,
	"choice" text NOT NULL,
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
ALTER TABLE "projects" ADD COLUMN "quorum" jsonb DEFAULT '{"lead":2,"majorityAfter":3}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "projects" ADD COLUMN "board_message_id" text;--> statement-breakpoint
ALTER TABLE "projects" ADD COLUMN "dataset_frozen_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "projects" ADD COLUMN "dataset_frozen_by" text;--> statement-breakpoint
ALTER TABLE "prune_votes" ADD CONSTRAINT "prune_votes_candidate_id_project_candidates_id_fk" FOREIGN KEY ("candidate_id") REFERENCES "public"."project_candidates"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "prune_overrides" ADD CONSTRAINT "prune_overrides_candidate_id_project_candidates_id_fk" FOREIGN KEY ("candidate_id") REFERENCES "public"."project_candidates"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "crops" ADD CONSTRAINT "crops_candidate_id_project_candidates_id_fk" FOREIGN KEY ("candidate_id") REFERENCES "public"."project_candidates"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "replacements" ADD CONSTRAINT "replacements_candidate_id_project_candidates_id_fk" FOREIGN KEY ("candidate_id") REFERENCES "public"."project_candidates"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gallery_messages" ADD CONSTRAINT "gallery_messages_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "prune_votes_candidate_user" ON "prune_votes" USING btree ("candidate_id","user_id");--> statement-breakpoint
CREATE INDEX "prune_votes_user" ON "prune_votes" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "crops_candidate" ON "crops" USING btree ("candidate_id");--> statement-breakpoint
CREATE UNIQUE INDEX "crops_one_headshot" ON "crops" USING btree ("candidate_id") WHERE "crops"."kind" = 'headshot';--> statement-breakpoint
CREATE INDEX "gallery_messages_project" ON "gallery_messages" USING btree ("project_id");