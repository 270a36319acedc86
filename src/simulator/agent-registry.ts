import { simAgentSpecSchema, type SimAgent, type SimAgentSpec } from "./agent-spec.js";
import { compileAgent, type CompiledAgent } from "./compile-agent.js";

/** The simulator's agents, changeable while it runs. */
export interface SimAgents {
  /**
   * Adds an agent or replaces the one with the same id (its faults' request counts restart).
   * Validates the spec; throws a ZodError naming the bad field.
   */
  upsert(spec: SimAgentSpec): SimAgent;
  /** Removes an agent; true if it existed. */
  remove(agentId: string): boolean;
  get(agentId: string): SimAgent | undefined;
  /** All agents in creation order. */
  list(): SimAgent[];
}

/** The agent store behind {@link SimAgents}, holding compiled agents. */
export class AgentRegistry implements SimAgents {
  private readonly agents = new Map<string, CompiledAgent>();
  private nextOrder = 0;

  /**
   * @param onChange told when an agent is added, replaced or removed (the fault registry resets
   *   its YAML faults then).
   */
  constructor(private readonly onChange: (agentId: string, agent: SimAgent | null) => void) {}

  upsert(spec: SimAgentSpec): SimAgent {
    const agent = simAgentSpecSchema.parse(spec);
    const previous = this.agents.get(agent.id);
    // A replaced agent keeps its place and creation time in listings.
    const order = previous?.order ?? this.nextOrder++;
    const createdAt = previous?.createdAt ?? new Date().toISOString();
    this.agents.set(agent.id, compileAgent(agent, order, createdAt));
    this.onChange(agent.id, agent);
    return agent;
  }

  remove(agentId: string): boolean {
    const existed = this.agents.delete(agentId);
    if (existed) this.onChange(agentId, null);
    return existed;
  }

  get(agentId: string): SimAgent | undefined {
    return this.agents.get(agentId)?.spec;
  }

  list(): SimAgent[] {
    return this.compiledList().map((agent) => agent.spec);
  }

  /** The compiled agent, for serving. */
  compiled(agentId: string): CompiledAgent | undefined {
    return this.agents.get(agentId);
  }

  /** All compiled agents in creation order. */
  compiledList(): CompiledAgent[] {
    return [...this.agents.values()].sort((a, b) => a.order - b.order);
  }
}
