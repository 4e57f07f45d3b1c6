import Foundation
import Hummingbird
import U2Net

extension PhotoServer {
    /// `POST /v1/idphoto`'s work, on a worker thread holding a slot: the document photo (or its print sheet) with
    /// the DPI in the file, and the report in the `X-IDPhoto-Report` header — or, with `report=json`, one JSON
    /// object with the report and the image in base64.
    @Sendable func idPhoto(_ photo: Data, _ asked: IDPhotoRequest) throws -> PhotoAnswer {
        let start = ContinuousClock.now
        let maker = try idPhotos.maker()
        let image = try decode(photo)
        var result = try maker.make(image, document: asked.document, background: asked.background, straighten: asked.straighten,
                                    fitDigitalLimits: !asked.printSize)
        let dpi = result.document.dpi
        let data = try result.encode(as: asked.format, quality: asked.quality)
        let mediaType = PhotoRequest.mediaType(of: asked.format)
        var sheetData: Data?
        var sheetFields: [String: Any]?
        if let sheet = asked.sheet {
            let (sheetImage, copies) = PrintSheet.tile(result.image, widthMM: sheet.widthMM, heightMM: sheet.heightMM,
                                                       dpi: dpi)
            // As the command writes its sheet: JPEG at quality 95 or PNG, with the document's DPI.
            let encoded = asked.format == .jpeg ? try JPEGCodec.encode(sheetImage, quality: 95) : try PNGCodec.encode(sheetImage)
            sheetData = PixelDensity.setting(encoded, dpi: dpi)
            sheetFields = ["name": sheet.name, "width": sheetImage.width, "height": sheetImage.height, "copies": copies,
                           "bytes": sheetData!.count]
        }
        var report = IDPhotoReport.fields(result, requested: asked.document, bytes: data.count, format: asked.format,
                                          milliseconds: Self.seconds(since: start) * 1000)
        if asked.jsonReport {
            report["mediaType"] = mediaType
            report["image"] = data.base64EncodedString()
            if var s = sheetFields, let sheetData {
                s["image"] = sheetData.base64EncodedString()
                report["sheet"] = s
            }
            return PhotoAnswer(body: try IDPhotoReport.json(report), contentType: "application/json; charset=utf-8")
        }
        if let s = sheetFields { report["sheet"] = s }
        let name = asked.document.id + (asked.sheet == nil ? "" : ".sheet") + "." + asked.format.fileExtension
        var headers = HTTPFields()
        headers[.init(IDPhotoReport.header)!] = try IDPhotoReport.headerValue(report)
        headers[.contentDisposition] = "inline; filename=\"\(name)\""
        return PhotoAnswer(body: sheetData ?? data, contentType: mediaType, headers: headers)
    }
}
