/** Both locale files carry exactly the same keys (plural forms included), and no value is empty. */
import { describe, expect, it } from "vitest"
import en from "@/locales/en.json"
import zh from "@/locales/zh-CN.json"
import adminEn from "@/locales/admin/en.json"
import adminZh from "@/locales/admin/zh-CN.json"

function keys(obj: object, prefix = ""): string[] {
  return Object.entries(obj).flatMap(([k, v]) =>
    typeof v === "object" && v !== null ? keys(v as object, `${prefix}${k}.`) : [`${prefix}${k}`],
  )
}

function values(obj: object): string[] {
  return Object.values(obj).flatMap((v) => (typeof v === "object" && v !== null ? values(v as object) : [String(v)]))
}

describe("locale files", () => {
  it("have the same keys", () => {
    expect(keys(zh).sort()).toEqual(keys(en).sort())
  })
  it("have no empty strings", () => {
    expect(values(en).filter((v) => !v.trim())).toEqual([])
    expect(values(zh).filter((v) => !v.trim())).toEqual([])
  })
  it("use the agreed words", () => {
    expect([en.nav.signIn, zh.nav.signIn, en.nav.signOut, zh.nav.signOut]).toEqual(["Sign in", "登录", "Sign out", "退出登录"])
    expect([en.course.enroll, zh.course.enroll, en.course.reenroll, zh.course.reenroll]).toEqual([
      "Enroll",
      "报名",
      "Re-enroll",
      "重新报名",
    ])
    expect([en.learn.markDone, zh.learn.markDone, en.catalogue.popularThisWeek, zh.catalogue.popularThisWeek]).toEqual([
      "Mark as done",
      "标记为已完成",
      "Popular this week",
      "本周热门",
    ])
  })
})

describe("language choice", () => {
  it("reads any Chinese browser language as zh-CN and anything else as English", async () => {
    const { normaliseLanguage, apiLang } = await import("@/i18n")
    expect(["zh", "zh-CN", "zh-TW", "zh-Hans-CN"].map(normaliseLanguage)).toEqual(["zh-CN", "zh-CN", "zh-CN", "zh-CN"])
    expect(["en-US", "fr", "de-DE"].map(normaliseLanguage)).toEqual(["en", "en", "en"])
    expect([apiLang("zh-CN"), apiLang("en-GB")]).toEqual(["zh", "en"])
  })
})

describe("admin locale files", () => {
  it("have the same keys and no empty strings", () => {
    expect(keys(adminZh).sort()).toEqual(keys(adminEn).sort())
    expect(values(adminEn).filter((v) => !v.trim())).toEqual([])
    expect(values(adminZh).filter((v) => !v.trim())).toEqual([])
  })
  it("use the agreed admin words", () => {
    const pairs: [string, string][] = [
      [adminEn.editor.title, adminZh.editor.title],
      [adminEn.editor.publish, adminZh.editor.publish],
      [adminEn.editor.archive, adminZh.editor.archive],
      [adminEn.status.draft, adminZh.status.draft],
      [adminEn.nav.import, adminZh.nav.import],
      [adminEn.import.dryRun, adminZh.import.dryRun],
      [adminEn.import.export, adminZh.import.export],
      [adminEn.nav.learners, adminZh.nav.learners],
      [adminEn.nav.grading, adminZh.nav.grading],
      [adminEn.nav.people, adminZh.nav.people],
      [adminEn.nav.audit, adminZh.nav.audit],
      [adminEn.nav.dashboard, adminZh.nav.dashboard],
    ]
    expect(pairs).toEqual([
      ["Course editor", "课程编辑"],
      ["Publish", "发布"],
      ["Archive", "归档"],
      ["Draft", "草稿"],
      ["Import", "导入"],
      ["Dry run", "试运行"],
      ["Export", "导出"],
      ["Learners", "学员"],
      ["Grading", "批改"],
      ["People", "用户"],
      ["Audit log", "审计日志"],
      ["Dashboard", "仪表盘"],
    ])
  })
})

describe("plural forms", () => {
  const flat = (obj: object, prefix = ""): [string, string][] =>
    Object.entries(obj).flatMap(([k, v]) => (typeof v === "object" && v !== null ? flat(v as object, `${prefix}${k}.`) : [[`${prefix}${k}`, String(v)]]))

  it("every English admin string that counts something has singular and plural forms, in both files", () => {
    const counted = flat(adminEn).filter(([, v]) => /\{\{\w+\}\} [a-z]+s\b/.test(v) || v.includes("{{count}} "))
    const bare = counted.filter(([k]) => !/_(one|other)$/.test(k)).map(([k]) => k)
    expect(bare).toEqual(["common.total"]) // "1 in total" reads right in English
    const zhKeys = new Set(flat(adminZh).map(([k]) => k))
    for (const [k] of counted.filter(([key]) => key.endsWith("_other"))) {
      expect(zhKeys.has(k), k).toBe(true)
      expect(flat(adminEn).some(([key]) => key === k.replace(/_other$/, "_one")), k).toBe(true)
    }
  })

  it("reads 1 enrollment and 2 enrollments in English, and the same words for any number in Chinese", async () => {
    const { default: i18n } = await import("@/i18n")
    await import("@/admin/i18n")
    const en = i18n.getFixedT("en")
    const zh = i18n.getFixedT("zh-CN")
    expect(en("admin.dashboard.enrollmentCount", { count: 1, formatted: "1" })).toBe("1 enrollment")
    expect(en("admin.dashboard.enrollmentCount", { count: 2, formatted: "2" })).toBe("2 enrollments")
    expect(en("admin.learners.count", { count: 1, shown: 1, total: 1 })).toBe("1 of 1 learner")
    expect(en("admin.import.shown", { count: 1500, shown: "20", total: "1,500" })).toBe("20 of 1,500 items")
    expect(en("admin.import.exported", { count: 1 })).toBe("1 course exported")
    expect(en("admin.dashboard.activity", { count: 30 })).toBe("Enrollments and completions, last 30 days")
    expect(zh("admin.dashboard.enrollmentCount", { count: 1, formatted: "1" })).toBe("1 人报名")
    expect(zh("admin.import.exported", { count: 1 })).toBe("已导出 1 门课程")
  })
})
