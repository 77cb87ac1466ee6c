/** Start-up: client and i18n wiring, then learn whether a session exists (refresh cookie), then render. */
import "@mantine/core/styles.css"
import "@mantine/notifications/styles.css"
import "./styles.css"
import { MantineProvider } from "@mantine/core"
import { Notifications } from "@mantine/notifications"
import { QueryClientProvider } from "@tanstack/react-query"
import { RouterProvider } from "@tanstack/react-router"
import { StrictMode, useMemo } from "react"
import type { ReactNode } from "react"
import { createRoot } from "react-dom/client"
import { setupClient } from "./api/setup"
import { restoreSession } from "./api/session"
import "./i18n"
import { createQueryClient } from "./queryClient"
import { createAppRouter } from "./router"
import { useTranslation } from "react-i18next"
import { localisedTheme } from "./theme"

setupClient()
const queryClient = createQueryClient()
const router = createAppRouter(queryClient)

/** Mantine with the theme in the user's language (re-made only when the language changes). */
function ThemeProvider({ children }: { children: ReactNode }) {
  const { t } = useTranslation() // a new `t` for each language
  const theme = useMemo(() => localisedTheme(t("app.close")), [t])
  return (
    <MantineProvider theme={theme} defaultColorScheme="light">
      {children}
    </MantineProvider>
  )
}

void restoreSession().then(() => {
  createRoot(document.getElementById("root")!).render(
    <StrictMode>
      <ThemeProvider>
        <Notifications position="top-center" />
        <QueryClientProvider client={queryClient}>
          <RouterProvider router={router} />
        </QueryClientProvider>
      </ThemeProvider>
    </StrictMode>,
  )
})
