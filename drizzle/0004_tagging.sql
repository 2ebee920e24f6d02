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
ALTER TABLE "tagger_settings" ADD CONSTRAINT "tagger_settings_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tagged_images" ADD CONSTRAINT "tagged_images_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tagged_images" ADD CONSTRAINT "tagged_images_candidate_id_project_candidates_id_fk" FOREIGN KEY ("candidate_id") REFERENCES "public"."project_candidates"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tagged_images" ADD CONSTRAINT "tagged_images_crop_id_crops_id_fk" FOREIGN KEY ("crop_id") REFERENCES "public"."crops"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "image_tag_edits" ADD CONSTRAINT "image_tag_edits_tagged_image_id_tagged_images_id_fk" FOREIGN KEY ("tagged_image_id") REFERENCES "public"."tagged_images"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tag_decisions" ADD CONSTRAINT "tag_decisions_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tag_decision_votes" ADD CONSTRAINT "tag_decision_votes_decision_id_tag_decisions_id_fk" FOREIGN KEY ("decision_id") REFERENCES "public"."tag_decisions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "outfits" ADD CONSTRAINT "outfits_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "outfit_votes" ADD CONSTRAINT "outfit_votes_outfit_id_outfits_id_fk" FOREIGN KEY ("outfit_id") REFERENCES "public"."outfits"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "tagged_images_project" ON "tagged_images" USING btree ("project_id");--> statement-breakpoint
CREATE UNIQUE INDEX "image_tag_edits_image_tag" ON "image_tag_edits" USING btree ("tagged_image_id","tag");--> statement-breakpoint
CREATE INDEX "image_tag_edits_image" ON "image_tag_edits" USING btree ("tagged_image_id");--> statement-breakpoint
CREATE UNIQUE INDEX "tag_decisions_project_tag" ON "tag_decisions" USING btree ("project_id","tag");--> statement-breakpoint
CREATE INDEX "tag_decisions_message" ON "tag_decisions" USING btree ("message_id");--> statement-breakpoint
CREATE UNIQUE INDEX "tag_decision_votes_decision_user" ON "tag_decision_votes" USING btree ("decision_id","user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "outfits_project_tag" ON "outfits" USING btree ("project_id","tag");--> statement-breakpoint
CREATE UNIQUE INDEX "outfit_votes_outfit_user" ON "outfit_votes" USING btree ("outfit_id","user_id");