/** What an action tells the page that gave it: whether it worked, and a sentence saying so. */
export interface ActionResult {
  ok: boolean;
  message: string;
}
