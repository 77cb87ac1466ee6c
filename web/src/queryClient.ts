/** TanStack Query defaults: no retry on 4xx (the answer will not change), one retry on network/5xx. */
import { QueryClient } from "@tanstack/react-query"
import { ApiError } from "./api/problem"

export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 15_000,
        refetchOnWindowFocus: false,
        retry: (failures, error) => !(error instanceof ApiError && error.status < 500) && failures < 1,
      },
    },
  })
}
