/**
 * Tells the recommender which recommended course a student opened (its click-through figures). Fire and
 * forget: navigation never waits for it, and a failure (offline, 404 for an expired list) is ignored.
 */
import { aiRecommendationClick } from "@/client"

export function reportRecommendationClick(impressionId: string | null | undefined, courseId: string, position: number): void {
  if (!impressionId) return
  aiRecommendationClick({ body: { impression_id: impressionId, course_id: courseId, position } }).catch(() => {})
}
