import { UserError } from '../core/errors.ts';
import { planQuery, type QueryPlan } from '../core/query/plan.ts';
import { DEFAULT_QUERY, querySchema, type ProjectQuery } from '../core/query/schema.ts';
import type { ProjectRow } from '../db/schema/index.ts';
import { suggestedGroups } from '../views/query.ts';

/** The stored query, or the defaults when an older row does not match today's schema. */
export function storedQuery(query: unknown): ProjectQuery {
  const parsed = querySchema.safeParse(query);
  return parsed.success ? parsed.data : structuredClone(DEFAULT_QUERY);
}

/** The project's query planned for e621, or a UserError that says how to set it up. */
export function plannedQuery(project: ProjectRow): { query: ProjectQuery; plan: QueryPlan } {
  const parsed = querySchema.safeParse(project.query);
  if (!parsed.success) {
    throw new UserError(
      'invalid-query',
      `The query of **${project.characterName}** is not valid (${parsed.error.issues[0]?.message ?? 'unknown problem'}). ` +
        '`/lora query reset:True` starts it over.',
    );
  }
  if (parsed.data.required.length === 0) {
    throw new UserError(
      'invalid-query',
      `**${project.characterName}** has no tag groups yet. Set them with \`/lora query groups:${suggestedGroups(project.mainTag)}\` ` +
        "(the guide's start), or `/lora query reset:True`.",
    );
  }
  return { query: parsed.data, plan: planQuery(parsed.data) };
}
