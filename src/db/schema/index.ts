export * from './guilds.ts';
export * from './projects.ts';
