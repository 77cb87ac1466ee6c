/** The "Language / 语言" control: a native select, so it is named and keyboard-usable everywhere. */
import { NativeSelect } from "@mantine/core"
import { useTranslation } from "react-i18next"
import { LANGUAGES, normaliseLanguage } from "@/i18n"

export function LanguageSwitch() {
  const { t, i18n } = useTranslation()
  return (
    <NativeSelect
      label={t("app.language")}
      size="xs"
      value={normaliseLanguage(i18n.language)}
      onChange={(e) => void i18n.changeLanguage(e.currentTarget.value)}
      data={LANGUAGES.map((l) => ({ value: l.code, label: l.label }))}
      styles={{ label: { fontSize: "var(--mantine-font-size-xs)" } }}
    />
  )
}
