// Minimal HTTPS calls to the offline token issuer, trusting its self-signed certificate.
import { request } from "node:https";

export interface Answer {
  status: number;
  json: Record<string, unknown>;
}

export function call(url: string, ca: string, form?: Record<string, string>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const body = form ? new URLSearchParams(form).toString() : undefined;
    const req = request(
      url,
      {
        method: form ? "POST" : "GET",
        ca,
        headers: form ? { "content-type": "application/x-www-form-urlencoded" } : {},
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            json: JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>,
          }),
        );
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}
