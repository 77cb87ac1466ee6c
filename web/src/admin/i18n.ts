/** The admin console's strings: added to i18next under `admin.` only when an admin page loads. */
import i18n from "@/i18n"
import en from "@/locales/admin/en.json"
import zhCN from "@/locales/admin/zh-CN.json"

i18n.addResourceBundle("en", "translation", { admin: en }, true, true)
i18n.addResourceBundle("zh-CN", "translation", { admin: zhCN }, true, true)

export const adminStringsLoaded = true
