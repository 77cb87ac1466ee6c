/** Markdown is rendered, and everything that could run is removed. */
import { describe, expect, it } from "vitest"
import { renderMarkdown, safeHttpUrl } from "@/lib/markdown"
import { firstBadLink, splitLinks } from "@/lib/links"

describe("renderMarkdown", () => {
  it("renders Markdown", () => {
    const html = renderMarkdown("# Title\n\n**bold** and [a link](https://example.org)")
    expect(html).toContain("<h1>Title</h1>")
    expect(html).toContain("<strong>bold</strong>")
    expect(html).toContain('href="https://example.org"')
    expect(html).toContain('rel="noopener noreferrer nofollow"')
  })
  it("removes scripts, handlers and javascript: links", () => {
    const html = renderMarkdown(
      [
        "<script>alert(1)</script>",
        '<img src="x" onerror="alert(2)">',
        "[x](javascript:alert(3))",
        '<a href="JavaScript:alert(4)">y</a>',
        '<svg onload="alert(5)"></svg>',
        '<iframe src="https://evil.example"></iframe>',
        '<p style="position:fixed">z</p>',
      ].join("\n\n"),
    )
    expect(html).not.toMatch(/<script|onerror|onload|javascript:|<iframe|style=/i)
  })
})

describe("links", () => {
  it("accept only http(s)", () => {
    expect(safeHttpUrl("https://a.example/x")).toBe("https://a.example/x")
    expect(safeHttpUrl("javascript:alert(1)")).toBeNull()
    expect(safeHttpUrl("not a url")).toBeNull()
  })
  it("split one per line and find the first bad one", () => {
    expect(splitLinks(" https://a.example \n\nhttp://b.example\n")).toEqual(["https://a.example", "http://b.example"])
    expect(firstBadLink("https://a.example\nftp://b.example")).toBe("ftp://b.example")
    expect(firstBadLink("")).toBeNull()
  })
})
