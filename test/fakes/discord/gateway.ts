/**
 * The gateway websocket: plain JSON frames, no compression. HELLO → IDENTIFY → READY + GUILD_CREATE,
 * heartbeats acknowledged, RESUME replays what a dropped session missed. A session closed with 1000/1001
 * (the client's destroy()) is gone, as on Discord, so the next client identifies afresh.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { GatewayOpcodes } from 'discord-api-types/v10';
import { apiBotUser, apiGuildCreate } from './api-objects.ts';
import type { FakeState } from './state.ts';

export const GatewayIntent = {
  Guilds: 1 << 0,
  GuildMessages: 1 << 9,
} as const;

const HEARTBEAT_INTERVAL_MS = 41_250;
const REPLAY_LOG_LIMIT = 1000;

interface LoggedDispatch {
  op: 0;
  s: number;
  t: string;
  d: unknown;
}

interface Session {
  id: string;
  intents: number;
  shard: [number, number];
  seq: number;
  socket: WebSocket | null;
  /** False once the client closed it normally or it was replaced: it can no longer resume. */
  resumable: boolean;
  log: LoggedDispatch[];
  createdAt: number;
}

/** Where REST handlers send what Discord would dispatch. */
export interface EventSink {
  /** A guild event: sent to every live session whose intents include `intent` (null: no intent needed). */
  dispatch(t: string, d: unknown, intent: number | null): void;
}

export class FakeGateway implements EventSink {
  readonly #server = new WebSocketServer({ noServer: true });
  readonly #sessions: Session[] = [];
  readonly #sockets = new Set<WebSocket>();
  #sessionCount = 0;

  constructor(private readonly state: FakeState) {}

  get url(): string {
    return `${this.state.baseUrl.replace(/^http/, 'ws')}/gateway`;
  }

  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(request.url ?? '/', 'http://fake');
    if (url.pathname !== '/gateway') {
      socket.destroy();
      return;
    }
    this.#server.handleUpgrade(request, socket, head, (ws) => this.#accept(ws, url.searchParams));
  }

  /** Whether some session could receive an interaction (connected, or dropped but resumable). */
  hasSession(): boolean {
    return this.#sessions.some((s) => s.resumable);
  }

  dispatch(t: string, d: unknown, intent: number | null): void {
    for (const session of this.#sessions) {
      if (!session.resumable) continue;
      if (intent !== null && (session.intents & intent) === 0) continue;
      this.#send(session, t, d);
    }
  }

  /** Discord delivers an interaction to one session: the newest connected one (or the newest resumable). */
  dispatchInteraction(d: unknown): boolean {
    const live = this.#sessions.filter((s) => s.resumable);
    const target = live.filter((s) => s.socket !== null).at(-1) ?? live.at(-1);
    if (!target) return false;
    this.#send(target, 'INTERACTION_CREATE', d);
    return true;
  }

  /** Drops every socket without a close frame, like a network failure: clients resume. */
  disconnectAll(): void {
    for (const ws of this.#sockets) ws.terminate();
  }

  async close(): Promise<void> {
    for (const ws of this.#sockets) ws.terminate();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #send(session: Session, t: string, d: unknown): void {
    const frame: LoggedDispatch = { op: 0, s: ++session.seq, t, d };
    session.log.push(frame);
    if (session.log.length > REPLAY_LOG_LIMIT) session.log.shift();
    if (session.socket?.readyState === 1) session.socket.send(JSON.stringify(frame));
  }

  #accept(ws: WebSocket, params: URLSearchParams): void {
    this.#sockets.add(ws);
    let session: Session | null = null;
    ws.on('close', (code) => {
      this.#sockets.delete(ws);
      if (session?.socket !== ws) return;
      session.socket = null;
      if (code === 1000 || code === 1001) session.resumable = false;
    });
    if (params.get('v') !== '10') {
      ws.close(4012, 'Invalid API version');
      return;
    }
    if (params.get('encoding') !== 'json' || params.has('compress')) {
      ws.close(4002, 'Only uncompressed JSON is supported by the fake gateway');
      return;
    }
    const send = (payload: unknown): void => ws.send(JSON.stringify(payload));
    send({ op: GatewayOpcodes.Hello, d: { heartbeat_interval: HEARTBEAT_INTERVAL_MS } });

    ws.on('message', (raw: RawData) => {
      let payload: { op?: unknown; d?: unknown };
      try {
        payload = JSON.parse(rawText(raw)) as { op?: unknown; d?: unknown };
      } catch {
        ws.close(4002, 'Decode error');
        return;
      }
      const d = (payload.d ?? {}) as Record<string, unknown>;
      switch (payload.op) {
        case GatewayOpcodes.Heartbeat:
          send({ op: GatewayOpcodes.HeartbeatAck });
          return;
        case GatewayOpcodes.Identify:
          if (session) {
            ws.close(4005, 'Already authenticated');
            return;
          }
          if (d['token'] !== this.state.options.token) {
            ws.close(4004, 'Authentication failed');
            return;
          }
          session = this.#identify(ws, d);
          return;
        case GatewayOpcodes.Resume: {
          const found = this.#sessions.find((s) => s.id === d['session_id'] && s.resumable);
          if (d['token'] !== this.state.options.token || !found) {
            send({ op: GatewayOpcodes.InvalidSession, d: false });
            return;
          }
          found.socket?.terminate();
          found.socket = ws;
          session = found;
          const since = typeof d['seq'] === 'number' ? d['seq'] : 0;
          for (const frame of found.log) if (frame.s > since) ws.send(JSON.stringify(frame));
          this.#send(found, 'RESUMED', null);
          return;
        }
        case GatewayOpcodes.PresenceUpdate:
        case GatewayOpcodes.RequestGuildMembers:
        case GatewayOpcodes.VoiceStateUpdate:
          return;
        default:
          ws.close(4001, 'Unknown opcode');
      }
    });
  }

  #identify(ws: WebSocket, d: Record<string, unknown>): Session {
    const shard = Array.isArray(d['shard']) ? (d['shard'] as [number, number]) : ([0, 1] as [number, number]);
    const session: Session = {
      id: `fake-session-${++this.#sessionCount}`,
      intents: typeof d['intents'] === 'number' ? d['intents'] : 0,
      shard,
      seq: 0,
      socket: ws,
      resumable: true,
      log: [],
      createdAt: Date.now(),
    };
    this.#sessions.push(session);
    this.#send(session, 'READY', {
      v: 10,
      user: { ...apiBotUser(this.state), verified: true, mfa_enabled: false, flags: 0 },
      guilds: [{ id: this.state.options.guildId, unavailable: true }],
      session_id: session.id,
      resume_gateway_url: this.url,
      shard,
      application: { id: this.state.options.applicationId, flags: 0 },
      user_settings: {},
      relationships: [],
      private_channels: [],
      presences: [],
      guild_join_requests: [],
      geo_ordered_rtc_regions: [],
    });
    // Lazy-loads the guild as Discord does; discord.js waits for it before clientReady.
    this.#send(session, 'GUILD_CREATE', apiGuildCreate(this.state));
    return session;
  }
}

function rawText(raw: RawData): string {
  if (Array.isArray(raw)) return Buffer.concat(raw).toString('utf8');
  if (raw instanceof ArrayBuffer) return Buffer.from(raw).toString('utf8');
  return raw.toString('utf8');
}
