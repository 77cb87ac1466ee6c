/** The audit log's filter form: one actor box (id or name/email), names lower-cased, refusals beside fields. */
import { describe, expect, it } from "vitest"
import "@/admin/i18n"
import { actionLabel, actorName, auditFilters } from "@/admin/AuditPage"
import i18n from "@/i18n"
import type { AuditEntryPublic } from "@/client"

describe("audit filters", () => {
  it("sends a user id as actor and anything else as actor_q", () => {
    expect(auditFilters({ actor: " 665F1F77BCF86CD799439011 " }).search).toEqual({ actor: "665f1f77bcf86cd799439011" })
    expect(auditFilters({ actor: "grace@example.org" }).search).toEqual({ actor_q: "grace@example.org" })
    expect(auditFilters({ actor: "Grace" }).search).toEqual({ actor_q: "Grace" })
    expect(auditFilters({ actor: "   " }).search).toEqual({})
  })

  it("lower-cases action and target and refuses what the API would refuse, by field", () => {
    expect(auditFilters({ action: " Course.Update ", target: "Courses" })).toEqual({
      search: { action: "course.update", target: "courses" },
      errors: {},
    })
    expect(auditFilters({ action: "course update", target: "courses!" }).errors).toEqual({
      action: "admin.audit.badAction",
      target: "admin.audit.badTarget",
    })
  })

  it("turns local times into UTC and refuses an empty range", () => {
    const { search, errors } = auditFilters({ since: "2026-03-01T09:30", until: "2026-03-02T09:30" })
    expect(errors).toEqual({})
    expect(search.since).toBe(new Date("2026-03-01T09:30").toISOString())
    expect(auditFilters({ since: "2026-03-02T09:30", until: "2026-03-01T09:30" }).errors).toEqual({ until: "admin.audit.badRange" })
  })

  it("names the actor as an admin knows them", () => {
    const e = { actor_id: "665f1f77bcf86cd799439011" } as AuditEntryPublic
    expect(actorName({ ...e, actor_username: "grace.h", actor_display_name: "Grace Hopper" })).toBe("Grace Hopper (grace.h)")
    expect(actorName({ ...e, actor_username: "grace.h" })).toBe("grace.h")
    expect(actorName(e)).toBe("665f1f77bcf86cd799439011")
  })
})

describe("audit actions", () => {
  it("are worded in the user's language, an unknown code as it is", async () => {
    try {
      await i18n.changeLanguage("zh-CN")
      expect(actionLabel("course.update")).toBe("修改课程")
      expect(actionLabel("user.update")).toBe("修改用户")
      expect(actionLabel("course.teleport")).toBe("course.teleport")
      await i18n.changeLanguage("en")
      expect(actionLabel("section.reorder")).toBe("Sections reordered")
    } finally {
      await i18n.changeLanguage("en")
    }
  })
})
