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
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "projects" ADD CONSTRAINT "projects_guild_id_guilds_id_fk" FOREIGN KEY ("guild_id") REFERENCES "public"."guilds"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "projects_guild_main_tag" ON "projects" USING btree ("guild_id","main_tag");--> statement-breakpoint
CREATE UNIQUE INDEX "projects_thread" ON "projects" USING btree ("thread_id");--> statement-breakpoint
CREATE INDEX "projects_guild" ON "projects" USING btree ("guild_id");