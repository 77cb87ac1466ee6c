/** The API's problems in the user's words: field errors by pydantic type, domain problems by code. */
import { beforeEach, describe, expect, it } from "vitest"
import { ApiError, fieldErrorMap } from "@/api/problem"
import { adminProblem } from "@/admin/problem"
import i18n from "@/i18n"
import { formProblem, problemMessage, problemText } from "@/lib/problemMessage"

const t = i18n.t.bind(i18n)
const invalid = (...errors: object[]) =>
  new ApiError(422, { title: "Validation failed", detail: "the request did not validate; see errors", errors }, null)
const conflict = (code: string, detail: string) => new ApiError(409, { title: "Conflict", detail, code }, null)

describe("field errors", () => {
  beforeEach(async () => {
    await i18n.changeLanguage("zh-CN")
  })

  it("word a slug pattern in Chinese, never as a regex", () => {
    const e = invalid({
      loc: ["body", "slug"],
      msg: "String should match pattern '^[a-zA-Z0-9]+(?:-[a-zA-Z0-9]+)*$'",
      type: "string_pattern_mismatch",
      ctx: { pattern: "^[a-zA-Z0-9]+(?:-[a-zA-Z0-9]+)*$" },
    })
    const map = fieldErrorMap(e)
    expect(map.slug).toBe("只能使用小写字母、数字和连字符，例如 intro-to-python。")
    expect(JSON.stringify(map)).not.toMatch(/pattern|A-Z/)
  })

  it("say the limits from ctx, in the user's language", async () => {
    const e = invalid(
      { loc: ["body", "name"], msg: "String should have at most 200 characters", type: "string_too_long", ctx: { max_length: 200 } },
      { loc: ["body", "password"], msg: "String should have at least 8 characters", type: "string_too_short", ctx: { min_length: 8 } },
      { loc: ["body", "title"], msg: "Field required", type: "missing" },
      { loc: ["body", "max_score"], msg: "Input should be less than or equal to 10000", type: "less_than_equal", ctx: { le: 10000 } },
    )
    expect(fieldErrorMap(e)).toEqual({
      name: "最多 200 个字符。",
      password: "至少需要 8 个字符。",
      title: "此项为必填项。",
      max_score: "不能大于 10,000。",
    })
    await i18n.changeLanguage("en")
    expect(fieldErrorMap(e).max_score).toBe("Must be 10,000 or less.")
  })

  it("name the link that points somewhere unsafe", () => {
    const e = invalid({
      loc: ["body", "links", 1],
      msg: "links may not point at loopback, link-local or private addresses",
      type: "unsafe_link",
    })
    expect(fieldErrorMap(e).links).toBe("第 2 个链接：链接不能指向本机、内网或本地主机名，请使用公开的网址。")
  })

  it("say which control character to remove, in the user's language", () => {
    const e = invalid({
      loc: ["body", "name"],
      msg: "must not contain control characters (no line breaks, tabs or direction overrides); found U+202E at character 5",
      type: "control_characters",
      ctx: { what: "no line breaks, tabs or direction overrides", code: "202E", position: 5 },
    })
    expect(fieldErrorMap(e).name).toBe("请删除控制字符 U+202E（第 5 个字符）：此处只能使用可见文字，较长的文本中可换行和使用制表符。")
  })

  it("fall back to the server's words only for a type the app does not know", () => {
    const e = invalid({ loc: ["body", "x"], msg: "Something new", type: "brand_new_type" })
    expect(fieldErrorMap(e).x).toBe("Something new")
  })

  it("go beside the form's own fields; the others join the message, with their names", () => {
    const e = invalid(
      { loc: ["body", "content"], msg: "Field required", type: "missing" },
      { loc: ["body", "email"], msg: "String should match pattern '...'", type: "string_pattern_mismatch" },
    )
    const problem = formProblem(e, t, "zh-CN", ["content", "links"])
    expect(problem.fields).toEqual({ content: "此项为必填项。" })
    expect(problem.message).toBe("有些字段需要修改。 邮箱：请输入邮箱地址，例如 ada@example.org。")
    expect(formProblem(e, t, "zh-CN", ["content", "email"]).message).toBeNull()
  })
})

describe("domain problems", () => {
  beforeEach(async () => {
    await i18n.changeLanguage("zh-CN")
  })

  it("are worded by code, without the server's English detail", () => {
    const late = conflict("deadline_passed", "the deadline has passed and this assignment does not accept late work")
    expect(problemText(late, t, "zh-CN")).toBe("截止时间已过，这份作业不接受迟交。")
    const slug = conflict("slug_taken", "slug 'trial-course' is already used by another course")
    expect(adminProblem(slug, t, "zh-CN")).toBe("已有其他课程使用此标识，请换一个。")
    expect(problemMessage(conflict("already_enrolled", "you are already enrolled"), t, "zh-CN")).toBe("你已报名这门课程。")
  })

  it("put a taken name beside its field", async () => {
    await i18n.changeLanguage("en")
    const taken = new ApiError(409, { title: "Username already taken", detail: "Username already taken", code: "username_taken" }, null)
    expect(formProblem(taken, t, "en", ["username", "password"])).toEqual({
      fields: { username: "This username is taken. Choose another." },
      message: null,
    })
  })

  it("fall back to the status sentence and the server's detail for an unknown code", () => {
    const odd = conflict("something_new", "a new kind of conflict")
    expect(problemText(odd, t, "zh-CN")).toBe("与当前状态冲突。 a new kind of conflict")
  })
})
