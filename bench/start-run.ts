import { request, type Agent } from "node:http";
import { hostNow } from "./delta-text.js";

/**
 * `POST /v1/runs` without `Accept: text/event-stream`: the run goes on in the background and the
 * 202 names it (API.md §1). Rejects on any other answer.
 */
export function startRunInBackground(
  url: string,
  body: string,
  agent: Agent,
): Promise<{ runId: string; sentAt: number }> {
  return new Promise((resolve, reject) => {
    const sentAt = hostNow();
    const req = request(url, {
      method: "POST",
      agent,
      headers: { "content-type": "application/json", accept: "application/json" },
    });
    req.on("error", reject);
    req.on("response", (response) => {
      let text = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => (text += chunk));
      response.on("end", () => {
        if (response.statusCode !== 202) {
          reject(new Error(`POST /v1/runs answered ${response.statusCode}: ${text.slice(0, 300)}`));
          return;
        }
        const runId = (JSON.parse(text) as { run_id?: unknown }).run_id;
        if (typeof runId !== "string")
          reject(new Error(`POST /v1/runs gave no run_id: ${text.slice(0, 300)}`));
        else resolve({ runId, sentAt });
      });
    });
    req.end(body);
  });
}
