import Foundation
import Imaging

/// One line of the compliance report.
public struct IDPhotoCheck: Sendable, Equatable, Codable {
    /// What was checked ("head height", "roll (head tilt)", …).
    public var name: String
    /// Whether the photo passes it.
    public var ok: Bool
    /// The measured value and the rule, in words.
    public var detail: String
    /// A check from its parts.
    public init(_ name: String, _ ok: Bool, _ detail: String) { self.name = name; self.ok = ok; self.detail = detail }
}

/// The crown: the top of the subject's matte above the face.
public struct Crown: Sendable, Equatable {
    /// The top of the hair (the matte's top above the eyes), photo pixels.
    public var hair: PixelPoint
    /// The top of the head ignoring hair (the skull's top), estimated — see ``skullReach(eyeToChin:eyeToForehead:hairReach:)``.
    public var skull: PixelPoint
    /// The matte reaches the photo's top edge above the face: the head may be cut off.
    public var touchesTop: Bool

    /// Finds the crown in `matte` (any resolution; it covers the whole photo of `width × height`) by walking up
    /// from the eyes, perpendicular to the eye line, on rays spread over the eyes' width; the highest subject
    /// point before a gap of background counts.
    public static func find(matte: GrayImage, photoWidth: Int, photoHeight: Int, landmarks: FaceLandmarks) -> Crown {
        let sx = Double(matte.width) / Double(photoWidth), sy = Double(matte.height) / Double(photoHeight)
        let re = landmarks.rightEye, le = landmarks.leftEye, chin = landmarks.chin
        let mid = PixelPoint.mid(re, le)
        let angle = atan2(le.y - re.y, le.x - re.x)
        let along = PixelPoint(cos(angle), sin(angle)), up = PixelPoint(sin(angle), -cos(angle))
        let eyeToChin = (chin - mid).x * -up.x + (chin - mid).y * -up.y
        let reach = max(eyeToChin, 1) * 3
        let step = max(0.5, 1 / min(sx, sy) / 2)
        let eyeDistance = re.distance(to: le)
        var best = 0.0
        var touches = false
        for t in stride(from: -0.5, through: 0.5, by: 0.125) {
            let origin = mid + along * (t * eyeDistance)
            var last = 0.0, gap = 0.0, d = 0.0
            while d < reach {
                let p = origin + up * d
                if p.y < 0 || p.x < 0 || p.x >= Double(photoWidth) {
                    if last >= d - 2 * step - gap, p.y < 0 { touches = true }
                    break
                }
                let v = Warp.bilinear(matte.pixels, matte.width, matte.height, p.x * sx - 0.5, p.y * sy - 0.5)
                if v >= 128 { last = d; gap = 0 } else { gap += step; if gap > 0.06 * reach { break } }
                d += step
            }
            best = max(best, last)
        }
        let forehead = landmarks.points[FaceLandmarks.foreheadIndex] - mid
        let eyeToForehead = forehead.x * up.x + forehead.y * up.y
        let hair = mid + up * best
        let skull = mid + up * skullReach(eyeToChin: eyeToChin, eyeToForehead: eyeToForehead, hairReach: best)
        return Crown(hair: hair, skull: skull, touchesTop: touches)
    }

    /// How far above the eye line the top of the skull is, in photo pixels along the face's upward axis.
    ///
    /// A photo shows hair, not the skull, so the skull's top is estimated from the face mesh:
    /// - the classical head proportion puts the eyes halfway between the top of the skull and the bottom of the
    ///   chin (the canon used in portrait drawing; an average, not verified here against an anthropometric survey),
    ///   so the first estimate is the eye-to-chin distance above the eyes;
    /// - the mesh's landmark 10 is the top of its forehead, at or just below the hairline; the skull's top lies
    ///   above the forehead, so the estimate is never lower than landmark 10;
    /// - the skull lies under the hair, so the estimate is never above the subject's matte (`hairReach`).
    ///
    /// skull = min(hairReach, max(eyeToChin, eyeToForehead)).
    /// On the hand-labelled test portraits (short hair and a cap) the estimate lies between landmark 10 and the
    /// labelled top of the hair; `Tests/EndToEndTests/IDPhotoTests.swift` measures it.
    public static func skullReach(eyeToChin: Double, eyeToForehead: Double, hairReach: Double) -> Double {
        min(hairReach, max(eyeToChin, eyeToForehead))
    }
}

/// The document frame: the affine map from the upright photo to the document's pixels and what it measures.
public struct IDPhotoFrame: Sendable {
    /// Photo pixels → output pixels.
    public var transform: Affine2D
    /// The rotation applied to level the eyes (degrees; 0 when the head was level enough or straightening is off).
    public var rotationDegrees: Double
    /// The eye line's roll in the photo (degrees, positive when the subject's left eye is lower).
    public var rollDegrees: Double
    /// The crown used (hair included or not, as the document says), photo pixels.
    public var crown: PixelPoint
    /// Measured in the output.
    public var headHeightMM: Double
    /// Measured in the output: the eye line's height above the bottom edge, millimetres.
    public var eyeLineMM: Double
    /// The face centre's horizontal offset from the middle, as a fraction of the width.
    public var centreOffset: Double
    /// The eye line's remaining roll in the output (degrees).
    public var residualRollDegrees: Double
    /// Output pixels per photo pixel (above 1: the photo was enlarged).
    public var scale: Double

    /// Rolls above this many degrees are straightened.
    public static let rollTolerance = 2.0

    /// Fits the document's frame: scale so the head height is the middle of its band, rotate a rolled head level,
    /// centre the face, put the eye line in the middle of its band (or, without one, the crown in the middle of the
    /// document's top-margin band, or, without either, 40% of the spare height below the top).
    public static func fit(landmarks: FaceLandmarks, crown: Crown, document: DocumentPreset, straighten: Bool = true) -> IDPhotoFrame {
        let re = landmarks.rightEye, le = landmarks.leftEye
        let roll = atan2(le.y - re.y, le.x - re.x)
        let theta = straighten && abs(roll) > rollTolerance * .pi / 180 ? -roll : 0
        let crownPoint = document.crownIncludesHair ? crown.hair : crown.skull
        let rot = Affine2D.similarity(scale: 1, rotation: theta, tx: 0, ty: 0)
        let chinR = rot.apply(landmarks.chin), crownR = rot.apply(crownPoint), eyeR = rot.apply(PixelPoint.mid(re, le))
        let ppm = document.pixelsPerMM
        let W = Double(document.pixelWidth), H = Double(document.pixelHeight)
        let headPx = max(chinR.y - crownR.y, 1)
        let targetHead = (document.headMinMM + document.headMaxMM) / 2 * ppm
        let s = targetHead / headPx
        let cx = (eyeR.x + chinR.x) / 2
        let tx = W / 2 - s * cx
        var ty: Double
        if let emin = document.eyeMinMM, let emax = document.eyeMaxMM {
            ty = H - (emin + emax) / 2 * ppm - s * eyeR.y
            // Keep a little room above the crown when the eye band allows it.
            let lowest = H - emin * ppm - s * eyeR.y
            let topRoom = 0.05 * H
            if s * crownR.y + ty < topRoom { ty = min(lowest, topRoom - s * crownR.y) }
        } else if let tmin = document.topMarginMinMM, let tmax = document.topMarginMaxMM {
            ty = (tmin + tmax) / 2 * ppm - s * crownR.y
        } else {
            ty = (H - targetHead) * 0.4 - s * crownR.y
        }
        let t = Affine2D.similarity(scale: s, rotation: theta, tx: tx, ty: ty)
        let chinO = t.apply(landmarks.chin), crownO = t.apply(crownPoint)
        let reO = t.apply(re), leO = t.apply(le)
        let eyeO = PixelPoint.mid(reO, leO)
        let faceX = (eyeO.x + chinO.x) / 2
        return IDPhotoFrame(transform: t, rotationDegrees: theta * 180 / .pi, rollDegrees: roll * 180 / .pi, crown: crownPoint,
                            headHeightMM: (chinO.y - crownO.y) / ppm, eyeLineMM: (H - eyeO.y) / ppm,
                            centreOffset: (faceX - W / 2) / W,
                            residualRollDegrees: atan2(leO.y - reO.y, leO.x - reO.x) * 180 / .pi, scale: s)
    }

    /// The geometric checks: head height and eye line in their bands, head inside the frame, roll, yaw, centring,
    /// source resolution.
    public func checks(document: DocumentPreset, landmarks: FaceLandmarks, crown: Crown) -> [IDPhotoCheck] {
        var out: [IDPhotoCheck] = []
        let f1 = { (v: Double) in String(format: "%.1f", v) }
        out.append(IDPhotoCheck("head height", headHeightMM >= document.headMinMM - 0.05 && headHeightMM <= document.headMaxMM + 0.05,
                                "\(f1(headHeightMM)) mm chin to crown (allowed \(f1(document.headMinMM))–\(f1(document.headMaxMM)) mm)"))
        if let emin = document.eyeMinMM, let emax = document.eyeMaxMM {
            out.append(IDPhotoCheck("eye line", eyeLineMM >= emin - 0.05 && eyeLineMM <= emax + 0.05,
                                    "\(f1(eyeLineMM)) mm above the bottom (allowed \(f1(emin))–\(f1(emax)) mm)"))
        }
        if let tmin = document.topMarginMinMM, let tmax = document.topMarginMaxMM {
            let marginMM = transform.apply(self.crown).y / document.pixelsPerMM
            out.append(IDPhotoCheck("top margin", marginMM >= tmin - 0.05 && marginMM <= tmax + 0.05,
                                    "crown \(f1(marginMM)) mm below the top edge (allowed \(f1(tmin))–\(f1(tmax)) mm)"))
        }
        let crownO = transform.apply(crown.hair), chinO = transform.apply(landmarks.chin)
        let H = Double(document.pixelHeight)
        let inside = crownO.y >= 0 && chinO.y <= H && !crown.touchesTop
        out.append(IDPhotoCheck("head not cut off", inside,
                                crown.touchesTop ? "the head reaches the photo's top edge: the crown may be cut off"
                                : inside ? "crown \(f1(crownO.y / document.pixelsPerMM)) mm below the top" : "the head does not fit the frame"))
        let rollOK = abs(residualRollDegrees) <= IDPhotoFrame.rollTolerance
        let rollDetail = rotationDegrees != 0
            ? "head rolled \(f1(rollDegrees))°, straightened by rotating \(f1(rotationDegrees))°"
            : "eye line \(f1(residualRollDegrees))° from level" + (rollOK ? "" : " (not straightened)")
        out.append(IDPhotoCheck("roll (head tilt)", rollOK, rollDetail))
        // Yaw: the nose tip's offset from the eyes' midpoint along the eye line, relative to the eye distance.
        let re = landmarks.rightEye, le = landmarks.leftEye, mid = PixelPoint.mid(re, le)
        let along = PixelPoint((le.x - re.x) / re.distance(to: le), (le.y - re.y) / re.distance(to: le))
        let yaw = ((landmarks.noseTip - mid).x * along.x + (landmarks.noseTip - mid).y * along.y) / re.distance(to: le)
        out.append(IDPhotoCheck("facing the camera", abs(yaw) <= 0.2,
                                "nose \(f1(yaw * 100))% of the eye distance off the eyes' midpoint (allowed ±20%)"))
        out.append(IDPhotoCheck("face centred", abs(centreOffset) <= 0.05,
                                "\(f1(centreOffset * 100))% of the width from the middle (allowed ±5%)"))
        out.append(IDPhotoCheck("source resolution", scale <= 1.0,
                                scale <= 1.0 ? "the photo was reduced \(f1(1 / scale))×"
                                : "the face had to be enlarged \(f1(scale))×: take the photo closer or at a higher resolution"))
        return out
    }
}

/// Copies of a photo tiled on a print sheet, with cut marks.
public enum PrintSheet {
    /// Named sheets: width × height in millimetres (portrait).
    public static let sizes: [String: (Double, Double)] = ["4x6in": (101.6, 152.4), "10x15cm": (100, 150), "a4": (210, 297)]

    /// Tiles as many copies of `photo` as fit on a `widthMM × heightMM` sheet at `dpi`, centred, with grey cut marks
    /// at every photo corner. Returns the sheet and the number of copies.
    public static func tile(_ photo: Image, widthMM: Double, heightMM: Double, dpi: Int) -> (sheet: Image, copies: Int) {
        let W = Int((widthMM / 25.4 * Double(dpi)).rounded()), H = Int((heightMM / 25.4 * Double(dpi)).rounded())
        var sheet = Image(width: W, height: H, color: (255, 255, 255))
        let cols = W / photo.width, rows = H / photo.height
        guard cols > 0, rows > 0 else { return (sheet, 0) }
        // Spread the leftover space: equal gaps between and around the copies.
        let gapX = (W - cols * photo.width) / (cols + 1), gapY = (H - rows * photo.height) / (rows + 1)
        let x0 = (W - cols * photo.width - (cols - 1) * gapX) / 2, y0 = (H - rows * photo.height - (rows - 1) * gapY) / 2
        var corners: [(Int, Int)] = []
        for r in 0..<rows {
            for c in 0..<cols {
                let ox = x0 + c * (photo.width + gapX), oy = y0 + r * (photo.height + gapY)
                for y in 0..<photo.height {
                    let dst = 3 * ((oy + y) * W + ox), src = 3 * y * photo.width
                    sheet.rgb.replaceSubrange(dst..<(dst + 3 * photo.width), with: photo.rgb[src..<(src + 3 * photo.width)])
                }
                corners += [(ox, oy), (ox + photo.width - 1, oy), (ox, oy + photo.height - 1), (ox + photo.width - 1, oy + photo.height - 1)]
            }
        }
        // Cut marks: short grey ticks along each corner's edges, drawn outside the photos where there is room and
        // on the photo's outermost pixel line otherwise.
        let tick = max(4, dpi / 25)
        func put(_ x: Int, _ y: Int) {
            guard x >= 0, y >= 0, x < W, y < H else { return }
            let p = 3 * (y * W + x)
            sheet.rgb[p] = 128; sheet.rgb[p + 1] = 128; sheet.rgb[p + 2] = 128
        }
        for (cx, cy) in corners {
            for k in 0..<tick {
                put(cx, cy - tick + k); put(cx, cy + tick - k)
                put(cx - tick + k, cy); put(cx + tick - k, cy)
            }
        }
        return (sheet, rows * cols)
    }
}
