import { defineCustomId, oneOf, positiveInt } from './custom-id.ts';

export const PLAN_ACTIONS = ['start', 'edit', 'cancel'] as const;
export type PlanAction = (typeof PLAN_ACTIONS)[number];

/** Start / Edit / Cancel on a `/lora train` plan card; the settings live in the training_plans row. */
export const planButtonId = defineCustomId<{ planId: number; action: PlanAction }>('plan', 1, {
  toParts: ({ planId, action }) => [planId, action],
  fromParts: ([id, action]) => {
    const planId = positiveInt(id);
    const parsed = oneOf(action, PLAN_ACTIONS);
    return planId && parsed ? { planId, action: parsed } : null;
  },
});

/** The plan card's edit modal. */
export const planModalId = defineCustomId<{ planId: number }>('planedit', 1, {
  toParts: ({ planId }) => [planId],
  fromParts: ([id]) => {
    const planId = positiveInt(id);
    return planId ? { planId } : null;
  },
});

/** Cancel on a run's status message (posted by the worker). */
export const runButtonId = defineCustomId<{ runId: number; action: 'cancel' }>('run', 1, {
  toParts: ({ runId, action }) => [runId, action],
  fromParts: ([id, action]) => {
    const runId = positiveInt(id);
    return runId && action === 'cancel' ? { runId, action } : null;
  },
});
