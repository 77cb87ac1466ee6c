/** Whether an assignment still takes hand-ins, as the server will decide it. */

interface Due {
  due_at?: string | null
  allow_late: boolean
}

/** Past its due date with late work refused: the server would refuse a hand-in, so none is offered. */
export function pastDueAndClosed(a: Due, now: number = Date.now()): boolean {
  return a.due_at != null && !a.allow_late && Date.parse(a.due_at) < now
}
