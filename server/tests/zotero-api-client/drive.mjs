// Drives a Shelfmark server with zotero-api-client (npm), the client
// zotero.org's web library is built on, through the tag requests its tag
// pane makes.
//
// Usage: node drive.mjs <node_modules folder> <endpoint> <userID> <apiKey>
// Exits non-zero (with the failed assertion) on the first difference from
// what the client expects of the Zotero Web API.

import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const [modules, endpoint, userId, key] = process.argv.slice(2);
const require = createRequire(`${modules}/`);
const { default: api } = require('zotero-api-client');

const url = new URL(endpoint);
const library = () => api(key, {
	apiScheme: url.protocol.replace(':', ''),
	apiAuthorityPart: url.host,
}).library('user', Number(userId));
const names = response => response.getData().map(t => t.tag).sort();

const collection = (await library().collections().post([{ name: 'Baking' }])).getData()[0].key;
const written = await library().items().post([
	{ itemType: 'book', title: 'Apple pie', collections: [collection],
	  tags: [{ tag: 'alpha' }, { tag: 'shared', type: 1 }, { tag: 'two words' }] },
	{ itemType: 'book', title: 'Banana bread', tags: [{ tag: 'beta' }, { tag: 'shared' }] },
]);
assert.ok(written.isSuccess(), JSON.stringify(written.raw));

const all = await library().tags().get();
assert.deepEqual(names(all), ['alpha', 'beta', 'shared', 'two words']);
assert.equal(all.getTotalResults(), 4);

// One tag by name, as the tag pane asks for it.
for (const name of ['shared', 'two words']) {
	const one = await library().tags(name).get();
	assert.deepEqual(names(one), [name]);
}

// The tags of a collection's top items.
const inCollection = await library().collections(collection).items().top().tags().get();
assert.deepEqual(names(inCollection), ['alpha', 'shared', 'two words']);

// Item filters select the items whose tags are listed.
const top = () => library().items().top().tags();
assert.deepEqual(names(await top().get({ itemQ: 'banana' })), ['beta', 'shared']);
assert.deepEqual(names(await top().get({ itemQ: 'apple', itemQMode: 'titleCreatorYear' })),
	['alpha', 'shared', 'two words']);
assert.deepEqual(names(await top().get({ itemTag: 'beta' })), ['beta', 'shared']);
assert.deepEqual(names(await top().get({ itemTag: ['alpha', 'shared'] })),
	['alpha', 'shared', 'two words']);
assert.deepEqual(names(await library().tags().get({ q: 'ha', qmode: 'contains' })),
	['alpha', 'shared']);

console.log('zotero-api-client: all checks passed');
