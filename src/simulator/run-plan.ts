import { MESSAGE_MARKER, type CompiledAgent, type CompiledItem } from "./compile-agent.js";
import { VALUE_HOLE, type EventTemplate } from "./event-template.js";
import { newStepId, newToolCallId, newUuid, otidFor } from "./letta-ids.js";
import { messageTemplate, type SimUsage } from "./letta-events.js";
import { tokenize } from "./tokenize.js";

/** One sub-message of an LLM step: reasoning, assistant text or a tool call. */
export interface PlannedPart {
  readonly tokens: readonly string[];
  /** Token mode: one event per delta. Step mode: one event with the whole text. */
  readonly template: EventTemplate;
  /** Step mode: JSON of the whole text for the value hole ("" when the template has none). */
  readonly fullJson: string;
  /** Token-mode tool call deltas: `first + JSON(fragment) + suffix`, then `rest + … + suffix`. */
  readonly toolDelta: { readonly first: string; readonly rest: string; readonly suffix: string } | null;
}

/** One LLM step: its sub-messages (sharing one message id, letta-wire §3.9) and a tool return. */
export interface PlannedStep {
  readonly parts: readonly PlannedPart[];
  /** The complete tool_return_message, with its own id (letta-wire §3.6). */
  readonly toolReturn: EventTemplate | null;
  readonly tokenCount: number;
}

/** Everything a run will send, decided up front. */
export interface RunPlan {
  readonly runId: string;
  readonly tokenMode: boolean;
  readonly steps: readonly PlannedStep[];
  readonly usage: SimUsage;
  readonly stopReason: "end_turn" | "max_steps";
}

/** What a plan depends on besides the agent. */
export interface RunPlanInput {
  readonly runId: string;
  readonly userText: string;
  readonly tokenMode: boolean;
  readonly maxSteps: number;
}

// split/join, not replaceAll: a message holding "$&" or "$1" must come through literally.
function fill(text: string, userText: string): string {
  return text.split(MESSAGE_MARKER).join(userText);
}

function fillDeep(value: unknown, userText: string): unknown {
  if (typeof value === "string") return fill(value, userText);
  if (Array.isArray(value)) return value.map((item) => fillDeep(item, userText));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, fillDeep(item, userText)]));
  }
  return value;
}

class StepBuilder {
  readonly uuid = newUuid();
  readonly id = `message-${this.uuid}`;
  readonly stepId = newStepId();
  readonly parts: PlannedPart[] = [];
  tokenCount = 0;

  constructor(private readonly input: RunPlanInput) {}

  private header(messageType: "reasoning_message" | "assistant_message" | "tool_call_message") {
    return {
      id: this.id,
      messageType,
      otid: otidFor(this.uuid, this.parts.length),
      stepId: this.stepId,
      runId: this.input.runId,
    };
  }

  addText(type: "reasoning" | "assistant", text: string, tokens: readonly string[]): void {
    if (tokens.length === 0) return;
    const specific =
      type === "reasoning"
        ? { source: "non_reasoner_model", reasoning: VALUE_HOLE, signature: null }
        : { content: VALUE_HOLE };
    const template = messageTemplate(
      this.header(type === "reasoning" ? "reasoning_message" : "assistant_message"),
      specific,
    );
    const fullJson = this.input.tokenMode ? "" : JSON.stringify(text);
    this.parts.push({ tokens, template, fullJson, toolDelta: null });
    this.tokenCount += tokens.length;
  }

  addToolCall(name: string, argumentsJson: string, tokens: readonly string[], toolCallId: string): void {
    const header = this.header("tool_call_message");
    if (this.input.tokenMode) {
      // Token mode: tool_call and tool_calls both hold the same ToolCallDelta, keys with None left
      // out; the name comes only in the first delta, like OpenAI's stream (letta-wire §3.5, §3.10).
      const template = messageTemplate(header, { tool_call: VALUE_HOLE, tool_calls: VALUE_HOLE });
      const suffix = `,"tool_call_id":${JSON.stringify(toolCallId)}}`;
      const toolDelta = {
        first: `{"name":${JSON.stringify(name)},"arguments":`,
        rest: `{"arguments":`,
        suffix,
      };
      this.parts.push({ tokens, template, fullJson: "", toolDelta });
    } else {
      const call = { name, arguments: argumentsJson, tool_call_id: toolCallId };
      const template = messageTemplate(header, { tool_call: call, tool_calls: [call] });
      this.parts.push({ tokens, template, fullJson: "", toolDelta: null });
    }
    this.tokenCount += tokens.length;
  }
}

function toolReturnTemplate(
  runId: string,
  stepId: string,
  toolCallId: string,
  result: string,
  status: string,
): EventTemplate {
  const uuid = newUuid();
  const header = {
    id: `message-${uuid}`,
    messageType: "tool_return_message" as const,
    otid: otidFor(uuid, 0),
    stepId,
    runId,
  };
  return messageTemplate(header, {
    tool_return: result,
    status,
    tool_call_id: toolCallId,
    stdout: null,
    stderr: null,
    tool_returns: [
      { type: "tool", tool_return: result, status, tool_call_id: toolCallId, stdout: null, stderr: null },
    ],
  });
}

function textOf(item: CompiledItem & { type: "reasoning" | "assistant" }, userText: string) {
  if (item.tokens !== null) return { text: item.text, tokens: item.tokens };
  const text = fill(item.text, userText);
  return { text, tokens: tokenize(text) };
}

/**
 * Lays out a run: the agent's script (plus generated text) split into LLM steps, a step ending
 * after each tool call, with Letta's ids (one `message-<uuid4>` per step shared by its
 * sub-messages, otids by index, a new id for each tool return; letta-wire §3.9) and its usage.
 * Prompt tokens are deterministic: a quarter of the system prompt and message length, per step.
 */
export function planRun(agent: CompiledAgent, input: RunPlanInput): RunPlan {
  const steps: PlannedStep[] = [];
  let completionTokens = 0;
  let step: StepBuilder | null = null;
  let truncated = false;
  for (const item of agent.items) {
    if (step === null) {
      if (steps.length >= input.maxSteps) {
        truncated = true;
        break;
      }
      step = new StepBuilder(input);
    }
    if (item.type === "tool_call") {
      const argumentsJson = item.argumentsJson ?? JSON.stringify(fillDeep(item.arguments, input.userText));
      const toolCallId = newToolCallId();
      step.addToolCall(item.name, argumentsJson, item.argumentTokens ?? tokenize(argumentsJson), toolCallId);
      const result = fill(item.result, input.userText);
      const toolReturn = toolReturnTemplate(input.runId, step.stepId, toolCallId, result, item.status);
      steps.push({ parts: step.parts, toolReturn, tokenCount: step.tokenCount });
      completionTokens += step.tokenCount;
      step = null;
    } else {
      const { text, tokens } = textOf(item, input.userText);
      step.addText(item.type, text, tokens);
    }
  }
  if (step !== null && step.parts.length > 0) {
    steps.push({ parts: step.parts, toolReturn: null, tokenCount: step.tokenCount });
    completionTokens += step.tokenCount;
  }
  const promptTokens = steps.length * Math.ceil((agent.system.length + input.userText.length) / 4);
  return {
    runId: input.runId,
    tokenMode: input.tokenMode,
    steps,
    usage: { completionTokens, promptTokens, stepCount: steps.length },
    stopReason: truncated ? "max_steps" : "end_turn",
  };
}
