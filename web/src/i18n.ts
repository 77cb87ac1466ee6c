/**
 * i18next set-up: zh-CN and en, picked from the browser, switchable, remembered in localStorage (the
 * language only). Keys are grouped by page ("catalogue.search"); a later part may add its own namespace
 * with i18n.addResourceBundle(lang, "admin", ...) from its own locale files.
 */
import i18n from "i18next"
import LanguageDetector from "i18next-browser-languagedetector"
import { initReactI18next } from "react-i18next"
import en from "./locales/en.json"
import zhCN from "./locales/zh-CN.json"

export const LANGUAGES = [
  { code: "zh-CN", label: "中文" },
  { code: "en", label: "English" },
] as const
export type Language = (typeof LANGUAGES)[number]["code"]
export const LANGUAGE_STORAGE_KEY = "oms.lang"

/** Any Chinese browser language reads zh-CN; any other falls back to English. */
export function normaliseLanguage(lng: string): Language {
  return lng.toLowerCase().startsWith("zh") ? "zh-CN" : "en"
}

/** The API's `lang` parameter for the AI features. */
export function apiLang(lng: string): "zh" | "en" {
  return normaliseLanguage(lng) === "zh-CN" ? "zh" : "en"
}

void i18n
  .use(LanguageDetector)
  .use(initReactI18next)
  .init({
    resources: { en: { translation: en }, "zh-CN": { translation: zhCN } },
    supportedLngs: ["zh-CN", "en"],
    fallbackLng: "en",
    load: "currentOnly",
    detection: {
      order: ["localStorage", "navigator"],
      lookupLocalStorage: LANGUAGE_STORAGE_KEY,
      caches: ["localStorage"],
      convertDetectedLanguage: normaliseLanguage,
    },
    interpolation: { escapeValue: false },
    returnNull: false,
  })

function syncDocument(lng: string): void {
  if (typeof document !== "undefined") document.documentElement.lang = normaliseLanguage(lng)
}
syncDocument(i18n.language ?? "en")
i18n.on("languageChanged", syncDocument)

export default i18n
