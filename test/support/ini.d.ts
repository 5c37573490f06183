// ini 6 ships no typings; the tests read email-oauth2-proxy's INI back with it. Just what we call.
declare module "ini" {
  export function parse(text: string): Record<string, unknown>;
}
