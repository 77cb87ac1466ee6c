/** Start-up: client and i18n wiring, then learn whether a session exists (refresh cookie), then render. */
import "@mantine/core/styles.css"
import "@mantine/notifications/styles.css"
import "./styles.css"
import { MantineProvider } from "@mantine/core"
import { Notifications } from "@mantine/notifications"
import { QueryClientProvider } from "@tanstack/react-query"
import { RouterProvider } from "@tanstack/react-router"
import { StrictMode } from "react"
import { createRoot } from "react-dom/client"
import { setupClient } from "./api/setup"
import { restoreSession } from "./api/session"
import "./i18n"
import { createQueryClient } from "./queryClient"
import { createAppRouter } from "./router"
import { theme } from "./theme"

setupClient()
const queryClient = createQueryClient()
const router = createAppRouter(queryClient)

void restoreSession().then(() => {
  createRoot(document.getElementById("root")!).render(
    <StrictMode>
      <MantineProvider theme={theme} defaultColorScheme="light">
        <Notifications position="top-center" />
        <QueryClientProvider client={queryClient}>
          <RouterProvider router={router} />
        </QueryClientProvider>
      </MantineProvider>
    </StrictMode>,
  )
})
