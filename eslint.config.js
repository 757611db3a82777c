import neostandard from 'neostandard'

export default neostandard({
  ts: true,
  // The package and its workspaces (example/, bench/) each have their own .tap/ and coverage/.
  ignores: ['dist/**', '**/coverage/**', '**/.tap/**', 'example/data/**']
})
