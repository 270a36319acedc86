import { newConversationId } from "./conversation-ids.js";
import { DEFAULT_USER_ID } from "./letta-errors.js";
import { newUuid } from "./letta-ids.js";

/** A Letta conversation on an agent (letta-wire §1.6), as tests see it. */
export interface SimConversation {
  readonly id: string;
  readonly agentId: string;
  readonly summary: string | null;
  readonly model: string | null;
  /** Date.now() at creation. */
  readonly createdAt: number;
  /** Date.now() of the last message request in conversation mode, or null. */
  readonly lastMessageAt: number | null;
}

interface StoredConversation extends SimConversation {
  readonly modelSettings: unknown;
  lastMessageAt: number | null;
  /** In-context message ids: the system message compiled at creation, then each input message. */
  readonly messageIds: string[];
}

/** Read access to the simulator's conversations, for tests. */
export interface SimConversations {
  get(conversationId: string): SimConversation | undefined;
  /** Conversations (of one agent, or all) in creation order. */
  list(agentId?: string): SimConversation[];
}

/** What `POST /v1/conversations/` takes besides the agent (`CreateConversation`). */
export interface ConversationInput {
  readonly summary: string | null;
  readonly model: string | null;
  readonly modelSettings: unknown;
}

/** Filters of `GET /v1/conversations/`. */
export interface ConversationListQuery {
  readonly agentId: string | undefined;
  readonly limit: number;
  readonly after: string | undefined;
  readonly order: "asc" | "desc";
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/**
 * The `Conversation` JSON of the spec, in pydantic's field order (`OrmMetadataBase` fields
 * first). `in_context_message_ids` is filled only on retrieve: Letta's create and list answer
 * with the ORM row alone, whose list is empty.
 */
export function conversationJson(
  conversation: SimConversation,
  withMessages = false,
): Record<string, unknown> {
  const stored = conversation as StoredConversation;
  return {
    created_by_id: DEFAULT_USER_ID,
    last_updated_by_id: DEFAULT_USER_ID,
    created_at: iso(stored.createdAt),
    updated_at: iso(stored.lastMessageAt ?? stored.createdAt),
    id: stored.id,
    agent_id: stored.agentId,
    summary: stored.summary,
    in_context_message_ids: withMessages ? [...stored.messageIds] : [],
    isolated_block_ids: [],
    model: stored.model,
    model_settings: stored.modelSettings ?? null,
    last_message_at: iso(stored.lastMessageAt),
  };
}

// Past this many conversations the oldest are forgotten, so a demo that runs for days stays small.
const MAX_CONVERSATIONS = 10_000;

/** The simulator's conversations, in creation order. */
export class ConversationStore implements SimConversations {
  private readonly conversations = new Map<string, StoredConversation>();

  create(agentId: string, input: ConversationInput): SimConversation {
    const conversation: StoredConversation = {
      id: newConversationId(),
      agentId,
      summary: input.summary,
      model: input.model,
      modelSettings: input.modelSettings,
      createdAt: Date.now(),
      lastMessageAt: null,
      messageIds: [`message-${newUuid()}`],
    };
    this.conversations.set(conversation.id, conversation);
    if (this.conversations.size > MAX_CONVERSATIONS) {
      const oldest = this.conversations.keys().next().value;
      if (oldest !== undefined) this.conversations.delete(oldest);
    }
    return conversation;
  }

  get(conversationId: string): SimConversation | undefined {
    return this.conversations.get(conversationId);
  }

  list(agentId?: string): SimConversation[] {
    const all = [...this.conversations.values()];
    return agentId === undefined ? all : all.filter((item) => item.agentId === agentId);
  }

  /** `GET /v1/conversations/`: by agent, ordered by creation, after a cursor id, limited. */
  query(query: ConversationListQuery): SimConversation[] {
    let list = this.list(query.agentId);
    if (query.order === "desc") list.reverse();
    if (query.after !== undefined) {
      const index = list.findIndex((item) => item.id === query.after);
      list = index < 0 ? [] : list.slice(index + 1);
    }
    return list.slice(0, Math.max(0, query.limit));
  }

  /** A message request reached the conversation: marks its activity (Letta does it at request time). */
  touch(conversationId: string): void {
    const conversation = this.conversations.get(conversationId);
    if (conversation !== undefined) conversation.lastMessageAt = Date.now();
  }

  /** A run took input messages into the conversation. */
  addMessages(conversationId: string, count: number): void {
    const conversation = this.conversations.get(conversationId);
    for (let index = 0; conversation !== undefined && index < count; index++)
      conversation.messageIds.push(`message-${newUuid()}`);
  }
}
