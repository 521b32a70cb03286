package org.shelfmark

import java.nio.file.Files
import java.nio.file.Path

/** The test resource `name` copied into `dir`, as a path an app would have. */
fun resourceFile(dir: Path, name: String): Path {
    val target = dir.resolve(name)
    val stream = requireNotNull(Fixtures::class.java.getResourceAsStream("/$name")) { "missing resource $name" }
    stream.use { Files.copy(it, target) }
    return target
}

/** A new library in `dir` holding the five references of reading-list.ris. */
suspend fun readingList(dir: Path): LibraryHandle {
    val library = createLibrary(dir.resolve("papers.shelfmark").toString(), LibraryOptions())
    library.transfer().importFile(
        resourceFile(dir, "reading-list.ris").toString(),
        ImportOptions(format = Format.RIS, collection = null, onDuplicate = OnDuplicate.SKIP),
        null,
    )
    return library
}

/** A list query with the usual defaults. */
fun query(
    sort: SortField = SortField.TITLE,
    descending: Boolean = false,
    limit: Int = 50,
    offset: Int = 0,
    filter: ItemFilter = ItemFilter(),
) = ItemListQuery(filter = filter, sort = sort, descending = descending, limit = limit.toUInt(), offset = offset.toUInt())

private object Fixtures
