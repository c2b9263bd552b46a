// Invented, harmless text for the demo transcripts. Nothing here comes from real sessions.

export interface ProjectText {
  prompts: readonly string[];
  files: readonly string[];
  commands: readonly { command: string; description: string; stdout: string }[];
  patterns: readonly string[];
  answers: readonly string[];
  agentTasks: readonly { description: string; prompt: string }[];
}

export const WEBSHOP: ProjectText = {
  prompts: [
    'Add a small badge with the item count to the cart icon.',
    'The checkout total is off by one cent for some baskets. Can you find out why?',
    'Write tests for the discount code parser.',
    'Rename ProductTile to ProductCard everywhere.',
    'The product page feels slow on mobile. What is going on?',
    'Add a wishlist button next to "Add to cart".',
    'Make the shipping estimate show the weekday instead of a date.',
    'Clean up the unused CSS in the header component.',
    'Why does the search box lose focus after the first keystroke?',
    'Add an empty state to the order history page.',
    'Bump the image lazy-loading threshold and check nothing breaks.',
    'Show the VAT line only for EU addresses.',
  ],
  files: [
    'src/cart/CartIcon.tsx',
    'src/cart/totals.ts',
    'src/checkout/rounding.ts',
    'src/discounts/parseCode.ts',
    'src/product/ProductCard.tsx',
    'src/search/SearchBox.tsx',
    'src/orders/OrderHistory.tsx',
    'src/shipping/estimate.ts',
    'src/styles/header.css',
  ],
  commands: [
    { command: 'npm test -- cart', description: 'Run cart tests', stdout: 'Tests: 18 passed, 18 total' },
    { command: 'npm run lint', description: 'Lint the project', stdout: 'No problems found.' },
    { command: 'npm run build', description: 'Production build', stdout: 'Built in 6.1s' },
    { command: 'git status --short', description: 'Show changed files', stdout: ' M src/cart/CartIcon.tsx' },
    { command: 'npm test -- checkout', description: 'Run checkout tests', stdout: 'Tests: 1 failed, 23 passed, 24 total' },
  ],
  patterns: ['roundPrice', 'ProductTile', 'useCart', 'formatMoney', 'wishlist'],
  answers: [
    'Done. The badge shows the item count and hides itself when the cart is empty. Cart tests pass.',
    'Found it: prices were rounded per line instead of once on the total. I moved the rounding to the end and added a test for the 3 x 0.335 case.',
    'Added 9 tests for the discount parser, covering empty codes, lowercase input and expired codes.',
    'Renamed the component and its 14 usages; the build and the tests are green.',
    'The page re-renders the whole gallery on every scroll event. I memoised the gallery and throttled the handler.',
    'The wishlist button is in place and stores items in local storage for now.',
  ],
  agentTasks: [
    { description: 'Find checkout tests', prompt: 'List the test files that cover checkout totals and summarise what each one checks.' },
    { description: 'Audit image loading', prompt: 'Look through src/product for images that are not lazy-loaded and report the components.' },
    { description: 'Map cart state usage', prompt: 'Find every component that reads the cart store and note which fields it uses.' },
  ],
};

export const API_SERVER: ProjectText = {
  prompts: [
    'Add rate limiting to the public endpoints, 100 requests per minute per key.',
    'Pagination returns a duplicate row at page boundaries. Please fix it.',
    'Write an OpenAPI description for the /orders routes.',
    'Add a health check endpoint that also pings the database.',
    'Why does the integration test for refunds time out on CI?',
    'Replace the hand-written query builder in reports with prepared statements.',
    'Log the request id on every error response.',
    'Add input validation for the customer update route.',
    'Make the retry helper use exponential backoff with jitter.',
    'Split the user service into read and write parts.',
  ],
  files: [
    'src/routes/orders.ts',
    'src/routes/customers.ts',
    'src/middleware/rateLimit.ts',
    'src/db/paginate.ts',
    'src/db/reports.ts',
    'src/lib/retry.ts',
    'src/lib/logger.ts',
    'test/refunds.int.test.ts',
  ],
  commands: [
    { command: 'npm test', description: 'Run unit tests', stdout: 'Tests: 112 passed, 112 total' },
    { command: 'npm run test:int -- refunds', description: 'Run refund integration tests', stdout: 'Tests: 6 passed, 6 total' },
    { command: 'npx tsc --noEmit', description: 'Type-check', stdout: '' },
    { command: 'git diff --stat', description: 'Show diff summary', stdout: ' src/db/paginate.ts | 8 +++++---' },
  ],
  patterns: ['paginate(', 'rateLimit', 'requestId', 'withRetry', 'validateBody'],
  answers: [
    'Rate limiting is in place as middleware with a sliding window; the limits are configurable per route.',
    'The cursor used a non-unique sort key. I added the id as a tie-breaker; the duplicate is gone and there is a test for it.',
    'The refund test waited for a webhook that the mock never sends. I made the mock emit it and the test runs in 2 seconds.',
    'Every error response now carries the request id, and the logger adds it to the structured fields.',
    'Validation rejects unknown fields and wrong types with a 422 and a short message.',
  ],
  agentTasks: [
    { description: 'List slow queries', prompt: 'Find the SQL in src/db that has no index on its filter columns and list it.' },
    { description: 'Check error handling', prompt: 'Check every route handler for errors that are caught and dropped; report file and line.' },
  ],
};

export const ML_PIPELINE: ProjectText = {
  prompts: [
    'The nightly feature job takes twice as long since last week. Can you profile it?',
    'Add a dry-run flag to the training script.',
    'Write a small data-quality check for missing timestamps.',
    'Move the dataset paths into the config file.',
    'Why does the evaluation notebook give different numbers than the CLI?',
    'Cache the tokenised dataset between runs.',
    'Add a unit test for the train/test split helper.',
    'Plot the loss curves of the last three runs side by side.',
    'Make the feature store writer idempotent.',
  ],
  files: [
    'pipeline/features/build.py',
    'pipeline/train.py',
    'pipeline/evaluate.py',
    'pipeline/config.yaml',
    'pipeline/data/split.py',
    'pipeline/store/writer.py',
    'tests/test_split.py',
  ],
  commands: [
    { command: 'pytest -q tests', description: 'Run tests', stdout: '41 passed in 3.20s' },
    { command: 'python -m pipeline.train --dry-run', description: 'Dry run', stdout: 'dry run: 3 stages, 0 writes' },
    { command: 'python -m cProfile -s cumtime pipeline/features/build.py', description: 'Profile feature build', stdout: 'join_events  41.2s cumulative' },
  ],
  patterns: ['join_events', 'train_test_split', 'DATA_ROOT', 'write_partition'],
  answers: [
    'The slowdown comes from join_events, which now runs once per partition. I hoisted it out of the loop; the job is back to its old time.',
    'Added --dry-run: it plans every stage and prints what would be written, without writing.',
    'The notebook used a random split without a seed; the CLI uses a fixed one. Both now use the config seed.',
    'The writer now checks the partition marker before writing, so re-runs do nothing.',
  ],
  agentTasks: [
    { description: 'Find hard-coded paths', prompt: 'Search the pipeline package for hard-coded dataset paths and list them with the file name.' },
    { description: 'Summarise eval metrics', prompt: 'Read the evaluation module and summarise which metrics it computes and how.' },
  ],
};

export const NOTES: ProjectText = {
  prompts: [
    'Turn my meeting notes from today into a short summary with action items.',
    'Sort the reading list by topic.',
    'Draft a short post about what I learned about caching this week.',
    'Find all notes that mention the garden project and collect the open questions.',
    'Rewrite this paragraph to be shorter.',
    'Make a packing checklist for the weekend trip.',
    'Merge the two recipe notes for lentil soup.',
  ],
  files: ['inbox.md', 'meetings/weekly.md', 'reading-list.md', 'garden.md', 'drafts/caching.md', 'recipes/soup.md'],
  commands: [
    { command: 'ls meetings', description: 'List meeting notes', stdout: 'weekly.md\nplanning.md' },
    { command: 'wc -w drafts/caching.md', description: 'Count words', stdout: '412 drafts/caching.md' },
  ],
  patterns: ['garden', 'TODO', 'soup'],
  answers: [
    'Here is the summary with four action items; I put it at the top of meetings/weekly.md.',
    'The reading list is now grouped under five topics.',
    'Draft saved to drafts/caching.md, about 400 words.',
    'I found six notes about the garden; the open questions are collected in garden.md.',
  ],
  agentTasks: [{ description: 'Collect open questions', prompt: 'Read every note in the folder and list lines that end with a question mark.' }],
};

export const NARRATION: readonly string[] = [
  'Let me look at the relevant code first.',
  'I will check how this is used elsewhere.',
  'Let me run the tests to see the current state.',
  'Now I will make the change.',
  'That confirms it. Fixing it now.',
  'Let me check the related tests.',
  'I will search for other call sites.',
  'Good, that works. One more check.',
];

export const THINKING: readonly string[] = [
  '',
  'The user wants a small change; check the call sites first.',
  'Probably a rounding or ordering issue. Read the helper before editing.',
  'Run the tests after the edit to be sure nothing else broke.',
];

export const FILE_BODY: readonly string[] = [
  'export function helper(input) {\n  // invented demo content\n  return input;\n}\n',
  '// demo file\nconst value = compute();\nexport default value;\n',
  'def run(config):\n    """Invented demo content."""\n    return config\n',
  '# Notes\n\n- invented demo content\n',
];

export const SLUG_WORDS = {
  a: ['quiet', 'bright', 'gentle', 'swift', 'lucky', 'misty', 'sunny', 'tidy', 'brave', 'calm'],
  b: ['wandering', 'humming', 'floating', 'sparkling', 'drifting', 'dancing', 'roaming', 'glowing'],
  c: ['otter', 'maple', 'harbor', 'pebble', 'falcon', 'lantern', 'meadow', 'comet', 'willow', 'badger'],
} as const;

export const COMPACT_SUMMARY =
  'This session is being continued from a previous conversation that ran out of context. The summary below covers the earlier portion of the conversation.\n\nSummary:\n1. The user asked for rate limiting on the public endpoints.\n2. A sliding-window limiter was added as middleware and wired into the router.\n3. Tests for the limiter were written; two integration tests are still being fixed.\n\nPlease continue with the remaining failing tests.';
