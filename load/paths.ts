// Default file locations of the load generator, found from the package root (not the working
// directory), so defaults such as data/reviews.csv work wherever the command runs.
import { join } from 'node:path';
import { findPackageRoot } from '../common/package-root.js';

export const defaultCorpusPath = (): string => join(findPackageRoot(), 'data', 'reviews.csv');
