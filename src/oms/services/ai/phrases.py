"""The offline engine's phrasings, in English and Chinese; each key is one thing advice can say."""

from __future__ import annotations

PHRASES: dict[str, dict[str, tuple[str, ...]]] = {
    "finished": {
        "en": (
            "You have completed all {sections_total} sections of {course} — well done.",
            "{course} is done: every one of its {sections_total} sections is complete.",
        ),
        "zh": (
            "你已学完{course}的全部 {sections_total} 节内容，干得漂亮！",
            "{course}的 {sections_total} 节内容已全部完成，恭喜！",
        ),
    },
    "dropped": {
        "en": (
            "You stepped away from {course} after {sections_done} of {sections_total} sections ({progress_percent}%).",
        ),
        "zh": (
            "你在完成{course} {sections_total} 节中的 {sections_done} 节（{progress_percent}%）后暂停了这门课。",
        ),
    },
    "empty": {
        "en": ("{course} has no sections yet; advice will follow once it has content.",),
        "zh": ("{course}还没有任何小节，等课程内容上线后再来看学习建议。",),
    },
    "fresh": {
        "en": (
            "You have just enrolled in {course}; its {sections_total} sections take about {minutes_total} minutes in all.",
        ),
        "zh": ("你刚刚加入{course}，全部 {sections_total} 节内容大约需要 {minutes_total} 分钟。",),
    },
    "not_started": {
        "en": (
            "You enrolled in {course} {days_enrolled} days ago and have not completed a section yet.",
            "{days_enrolled} days after enrolling in {course}, your first section is still ahead of you.",
        ),
        "zh": (
            "你加入{course}已经 {days_enrolled} 天，还没有完成任何一节。",
            "加入{course} {days_enrolled} 天了，第一节还在等着你。",
        ),
    },
    "early": {
        "en": (
            "You are getting started on {course}: {sections_done} of {sections_total} sections done ({progress_percent}%).",
            "{course} is under way, with {sections_done} of its {sections_total} sections behind you ({progress_percent}%).",
        ),
        "zh": (
            "你在{course}刚刚起步：{sections_total} 节中已完成 {sections_done} 节（{progress_percent}%）。",
            "{course}已经开了个好头，完成了 {sections_total} 节中的 {sections_done} 节（{progress_percent}%）。",
        ),
    },
    "middle": {
        "en": (
            "You are well into {course}: {sections_done} of {sections_total} sections ({progress_percent}%) are done and {sections_left} remain.",
            "With {progress_percent}% of {course} done, {sections_left} of its {sections_total} sections are left.",
        ),
        "zh": (
            "你在{course}上进展不错：{sections_total} 节完成了 {sections_done} 节（{progress_percent}%），还剩 {sections_left} 节。",
            "{course}完成了 {progress_percent}%，{sections_total} 节中还剩 {sections_left} 节。",
        ),
    },
    "late": {
        "en": (
            "You are on the home stretch of {course}: only {sections_left} of {sections_total} sections remain, about {minutes_left} minutes of material.",
            "Almost there: {course} is {progress_percent}% complete, with {sections_left} sections and about {minutes_left} minutes to go.",
        ),
        "zh": (
            "{course}已进入冲刺阶段：{sections_total} 节只剩 {sections_left} 节，大约 {minutes_left} 分钟的内容。",
            "快完成了：{course}已完成 {progress_percent}%，还剩 {sections_left} 节、约 {minutes_left} 分钟。",
        ),
    },
    "speeding_up": {
        "en": (
            "You have picked up speed: {done_last_7_days} sections in the last 7 days, out of {done_last_30_days} in the last 30.",
        ),
        "zh": (
            "你的节奏明显加快了：最近 7 天完成了 {done_last_7_days} 节，而最近 30 天一共是 {done_last_30_days} 节。",
        ),
    },
    "slowing_down": {
        "en": (
            "Your pace has slowed: {done_last_7_days} sections in the last 7 days, after {done_last_30_days} over the last 30.",
        ),
        "zh": (
            "你的节奏放慢了：最近 7 天完成 {done_last_7_days} 节，而最近 30 天共完成 {done_last_30_days} 节。",
        ),
    },
    "steady": {
        "en": (
            "You keep a steady pace of about {sections_per_week} sections a week.",
            "Your rhythm is steady, around {sections_per_week} sections a week.",
        ),
        "zh": (
            "你保持着每周约 {sections_per_week} 节的稳定节奏。",
            "你的学习节奏很稳定，每周大约 {sections_per_week} 节。",
        ),
    },
    "idle": {
        "en": (
            "Your last activity was {days_since_last_activity} days ago, and no section was completed in the last 30 days.",
        ),
        "zh": ("你上一次学习是 {days_since_last_activity} 天前，最近 30 天没有完成新的小节。",),
    },
    "projection": {
        "en": (
            "At this pace you will finish in about {days_to_finish} days, around {estimated_completion}.",
            "Keep this pace and you should be done by about {estimated_completion}, {days_to_finish} days from now.",
        ),
        "zh": (
            "按现在的速度，大约 {days_to_finish} 天后（{estimated_completion} 前后）就能学完。",
            "保持这个速度，预计 {days_to_finish} 天后、{estimated_completion} 左右完成。",
        ),
    },
    "no_projection": {
        "en": (
            "Without a recent pace there is no finish date yet; {minutes_left} minutes of material remain.",
        ),
        "zh": ("最近没有学习记录，暂时无法估计完成日期；剩余内容约 {minutes_left} 分钟。",),
    },
    "ahead": {
        "en": (
            "You are ahead of {ahead_of_percent}% of the {learners} other learners here, whose average progress is {average_progress}%.",
        ),
        "zh": (
            "在这门课的其他 {learners} 位同学中，你领先于 {ahead_of_percent}% 的人，他们的平均进度是 {average_progress}%。",
        ),
    },
    "behind": {
        "en": (
            "Most of the {learners} other learners are further along (average progress {average_progress}%); a few focused sessions will close the gap.",
        ),
        "zh": (
            "这门课的其他 {learners} 位同学大多走得更远（平均进度 {average_progress}%），集中学几次就能追上。",
        ),
    },
    "behind_average": {
        "en": (
            "The {learners} other learners here average {average_progress}% progress, ahead of your {progress_percent}%; a few focused sessions will close the gap.",
        ),
        "zh": (
            "这门课的其他 {learners} 位同学平均进度是 {average_progress}%，高于你的 {progress_percent}%，集中学几次就能追上。",
        ),
    },
    "cohort_level": {
        "en": ("All {learners} other learners here are at the same point as you ({progress_percent}%).",),
        "zh": ("这门课的其他 {learners} 位同学和你的进度完全相同（{progress_percent}%）。",),
    },
    "cohort_about_same": {
        "en": (
            "Your progress ({progress_percent}%) is about the same as the average of the {learners} other learners here ({average_progress}%).",
        ),
        "zh": (
            "你的进度（{progress_percent}%）与这门课其他 {learners} 位同学的平均进度（{average_progress}%）大致相同。",
        ),
    },
    "cohort_little_ahead": {
        "en": (
            "You are a little ahead of the average of the {learners} other learners here ({progress_percent}% against {average_progress}%).",
        ),
        "zh": (
            "你的进度（{progress_percent}%）略高于这门课其他 {learners} 位同学的平均进度（{average_progress}%）。",
        ),
    },
    "cohort_little_behind": {
        "en": (
            "You are a little behind the average of the {learners} other learners here ({progress_percent}% against {average_progress}%).",
        ),
        "zh": (
            "你的进度（{progress_percent}%）略低于这门课其他 {learners} 位同学的平均进度（{average_progress}%）。",
        ),
    },
    "skipped": {
        "en": (
            "Go back to {titles}: you moved past it without completing it.",
            "Fill the gap at {titles} before going further; later sections build on it.",
        ),
        "zh": (
            "先回到{titles}：你跳过了它还没有完成。",
            "继续往后学之前，先补上{titles}，后面的内容会用到它。",
        ),
    },
    "reopened": {
        "en": (
            "Revisit {titles}, which you reopened; finishing it again will consolidate what you learned.",
        ),
        "zh": ("你重新打开了{titles}，再完整学一遍能巩固所学。",),
    },
    "next": {
        "en": ("Next up: {titles}.", "Continue with {titles}."),
        "zh": ("接下来学习{titles}。", "下一步：{titles}。"),
    },
    "restart": {
        "en": (
            "Restart with one short session: {first} takes {first_minutes} minutes, so book it for today or tomorrow.",
        ),
        "zh": ("用一次短时间的学习重新开始：{first}只需 {first_minutes} 分钟，不妨安排在今天或明天。",),
    },
    "start": {
        "en": (
            "Begin with {first} ({first_minutes} minutes); a fixed time slot each week makes the rest easy.",
        ),
        "zh": ("从{first}开始（{first_minutes} 分钟），每周固定一个学习时段，后面会轻松很多。",),
    },
    "slowing_tip": {
        "en": ("Aim for {target} sections this week to get back to your 30-day rhythm.",),
        "zh": ("这周争取完成 {target} 节，回到你最近 30 天的节奏。",),
    },
    "momentum_tip": {
        "en": (
            "Keep the momentum: short daily sessions work better than one long catch-up.",
            "You are on a roll — protect the time slots that are working for you.",
        ),
        "zh": ("保持势头：每天学一点，比一次性补课效果更好。", "状态正好，继续守住现在行之有效的学习时间。"),
    },
    "finish_tip": {
        "en": ("Only {sections_left} sections left — finishing them this week completes the course.",),
        "zh": ("只剩 {sections_left} 节了，这周学完就能结课。",),
    },
    "review_tip": {
        "en": (
            "Review your notes from the longest sections, then pick a follow-up course from your recommendations.",
        ),
        "zh": ("回顾一下篇幅最长的几节的笔记，然后从推荐课程里挑一门继续学习。",),
    },
    "return_tip": {
        "en": ("If you come back, enrolling again keeps your progress; {first} is where you left off.",),
        "zh": ("如果想回来，重新加入即可保留进度，从{first}继续。",),
    },
}
