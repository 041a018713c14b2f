// The topic of the `activity` message (an addition: docs/CONTRACT-EXTENSIONS.md). Kept here until the
// kernel's `topics` gains it; built the same way (one id per segment).
export function activityTopic(dog: string): string {
  return `dogtracker/v1/activity/${dog.replace(/[/+#]/g, '_')}`;
}
