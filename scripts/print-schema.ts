/** Prints every collection and index from the schema, for creating them in the cloud console. */
import { ALL_COLLECTIONS } from '../cloudfunctions/shared/schema';

for (const collection of ALL_COLLECTIONS) {
  console.log(`${collection.name}${collection.appendOnly ? '（只追加）' : ''} — ${collection.purpose}`);
  for (const index of collection.indexes) {
    console.log(`    索引 ${index.fields.join(' + ')}（${index.unique ? '唯一' : '非唯一'}）：${index.why}`);
  }
}
