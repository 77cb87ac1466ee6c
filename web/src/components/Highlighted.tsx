/** Text with search matches marked: the sanitised highlight when there is one, else the plain text. */
import { sanitizeHighlight } from "@/lib/highlight"

export function Highlighted({ html, text }: { html?: string | null; text: string }) {
  if (!html) return <>{text}</>
  return <span className="oms-highlight" dangerouslySetInnerHTML={{ __html: sanitizeHighlight(html) }} />
}
